"""Project settings and the coders."""

from __future__ import annotations

from sqlalchemy import select

from qualcode.db.models import (
    Coder,
    ProjectInfo,
)
from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import DEFAULT_MAX_SEGMENT_CHARS
from qualcode.project import events
from qualcode.project.mapping import project_speakers
from qualcode.records import (
    CoderInfo,
)
from qualcode.speakers import Speakers
from qualcode.store import REMOVED_CODER, Store, add_coder_row, coder_name, coder_row, log_event

DEFAULT_SETTINGS = {"max_segment_chars": str(DEFAULT_MAX_SEGMENT_CHARS), "nlp.model": ""}


class SettingsPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def setting(self, key: str) -> str | None:
        with self._store.read() as s:
            return s.scalar(select(ProjectInfo.value).where(ProjectInfo.key == key))

    def set_setting(self, key: str, value: str) -> None:
        with self._store.tx() as s:
            row = s.get(ProjectInfo, key)
            before = row.value if row else None
            if row:
                row.value = value
            else:
                s.add(ProjectInfo(key=key, value=value))
            log_event(s, None, "setting.set", {"key": key, "before": before, "after": value})

    @property
    def max_segment_chars(self) -> int:
        value = self.setting("max_segment_chars")
        return int(value) if value else DEFAULT_MAX_SEGMENT_CHARS

    @staticmethod
    def check_coder_name(name: str) -> str:
        """The name as a coder would be called, or a one-line refusal."""
        return coder_name(name)

    def add_coder(self, name: str) -> CoderInfo:
        with self._store.tx() as s:
            name = coder_name(name)
            found = s.scalar(select(Coder.id).where(Coder.name == name))
            if found is not None:
                marker = s.get(ProjectInfo, REMOVED_CODER.format(found))
                if marker is None:
                    raise QualcodeError(f"coder {name!r} already exists")
                s.delete(marker)  # a removed coder added again is the same person, back (their history too)
                log_event(s, found, "coder.add", {"name": name, "restored": True})
                return CoderInfo(found, name)
            coder = add_coder_row(s, name)
            return CoderInfo(coder.id, coder.name)

    def coders(self) -> list[CoderInfo]:
        with self._store.read() as s:
            gone = set(s.scalars(select(ProjectInfo.key).where(ProjectInfo.key.startswith(REMOVED_CODER.format("")))))
            return [
                CoderInfo(c.id, c.name)
                for c in s.scalars(select(Coder).order_by(Coder.name))
                if REMOVED_CODER.format(c.id) not in gone
            ]

    def coder(self, name: str) -> CoderInfo:
        with self._store.read() as s:
            return CoderInfo(*coder_row(s, name))

    def lemma_model(self) -> str | None:
        """The trained spaCy pipeline named by the setting ``nlp.model`` (None: the defaults)."""
        return (self.setting("nlp.model") or "").strip() or None

    def speakers(self) -> Speakers:
        """Who is the interviewer in this project (the setting ``interviewer.labels``, else the defaults)."""
        with self._store.read() as s:
            return project_speakers(s)


events.register(("setting.set", "coder.add"))
