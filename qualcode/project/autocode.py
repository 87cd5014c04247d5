"""`qualcode autocode`: one code applied wherever a search finds a passage, as one event."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import regex
from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from qualcode.autocode import DEFAULT_TIME_LIMIT, Placement, TurnText, compile_matcher, plan
from qualcode.db.models import Coding, Segment, Transcript
from qualcode.errors import GoneSince, QualcodeError
from qualcode.project import events
from qualcode.project.mapping import project_speakers
from qualcode.store import Store, code_row, coder_row, log_event, new_guid

AUTOCODE_EVENTS = ("coding.autocode",)
ANY_WORDS = regex.compile(r"\S")  # a turn chosen by id: the whole of it (trimmed), whatever it says


@dataclass
class AutocodeReport:
    code: str
    coder: str
    placements: list[Placement] = field(default_factory=list)  # what the search found
    already: int = 0  # of those, coded so by the coder before
    applied: int = 0  # codings written (0 on a dry run)
    transcripts: int = 0  # transcripts searched
    skipped_interviewer: int = 0  # interviewer turns not searched

    @property
    def new(self) -> int:
        return len(self.placements) - self.already


class AutocodePart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def autocode(
        self,
        code_key: str,
        coder: str,
        match: str,
        *,
        is_regex: bool = False,
        whole_words: bool = False,
        span: str = "segment",
        transcripts: Iterable[str] | None = None,
        include_interviewer: bool = False,
        dry_run: bool = False,
        time_limit: float = DEFAULT_TIME_LIMIT,
        segment_ids: Collection[int] | None = None,
    ) -> AutocodeReport:
        """Apply ``code_key`` for ``coder`` wherever ``match`` finds a passage (one event; ``u`` undoes it).

        ``segment_ids``: code these whole turns instead (the workbench's search hits, found by
        ``match``, which the event records); interviewer turns among them only with ``include_interviewer``.
        """
        if segment_ids is not None:
            if not segment_ids:
                raise QualcodeError("no passages to code: the search found nothing")
            pattern, span = ANY_WORDS, "segment"
        else:
            pattern = compile_matcher(match, is_regex, whole_words)
        with self._store.tx() as s:
            coder_id, coder_name = coder_row(s, coder)
            code = code_row(s, code_key)
            turns, searched, skipped = _turns(s, transcripts, include_interviewer, segment_ids)
            placements = plan(turns, pattern, span, include_interviewer=True, time_limit=time_limit)
            report = AutocodeReport(code.key, coder_name, placements, transcripts=searched, skipped_interviewer=skipped)
            if not placements:
                return report
            have = set(
                s.execute(
                    select(Coding.segment_id, Coding.start, Coding.end).where(
                        Coding.coder_id == coder_id,
                        Coding.code_id == code.id,
                        Coding.segment_id.in_({p.segment_id for p in placements}),
                    )
                ).all()
            )
            fresh = list(
                {
                    (p.segment_id, p.start, p.end): p for p in placements if (p.segment_id, p.start, p.end) not in have
                }.values()
            )
            report.already = len(placements) - len(fresh)
            if dry_run or not fresh:
                return report
            rows: list[dict[str, Any]] = [
                {
                    "code_id": code.id,
                    "coder_id": coder_id,
                    "transcript_id": p.transcript_id,
                    "segment_id": p.segment_id,
                    "start": p.start,
                    "end": p.end,
                    "origin": "manual",  # the coder's own command; the event records that it was a search
                    "guid": new_guid(),
                }
                for p in fresh
            ]
            s.add_all(Coding(**r) for r in rows)
            s.flush()
            guids = [r["guid"] for r in rows]
            ids = dict(s.execute(select(Coding.guid, Coding.id).where(Coding.guid.in_(guids))).all())
            for r in rows:
                r["id"] = ids[r["guid"]]
            log_event(
                s,
                coder_id,
                "coding.autocode",
                {"code_id": code.id, "code": code.key, "match": match, "regex": is_regex, "codings": rows},
            )
            report.applied = len(rows)
            return report


def _turns(
    s: Session, names: Iterable[str] | None, include_interviewer: bool, segment_ids: Collection[int] | None = None
) -> tuple[list[TurnText], int, int]:
    q = select(Transcript.id, Transcript.name, Transcript.text)
    if segment_ids is not None:
        q = q.where(Transcript.id.in_(select(Segment.transcript_id).where(Segment.id.in_(list(segment_ids)))))
    wanted = list(dict.fromkeys(names or []))
    if wanted:
        q = q.where(Transcript.name.in_(wanted))
    texts = {tid: (name, text) for tid, name, text in s.execute(q)}
    missing = sorted(set(wanted) - {name for name, _ in texts.values()})
    if missing:
        raise QualcodeError(f"no transcript named {missing[0]!r}; `qualcode transcripts list` shows them")
    speakers = project_speakers(s)
    turns: list[TurnText] = []
    skipped = 0
    chosen = select(Segment.id, Segment.transcript_id, Segment.start, Segment.end, Segment.speaker).where(
        Segment.transcript_id.in_(list(texts))
    )
    if segment_ids is not None:
        chosen = chosen.where(Segment.id.in_(list(segment_ids)))
    rows = s.execute(chosen.order_by(Segment.transcript_id, Segment.position))
    for sid, tid, start, end, speaker in rows:
        asked = speakers.is_interviewer(speaker, tid)
        if asked and not include_interviewer:
            skipped += 1
            continue
        turns.append(TurnText(sid, tid, start, texts[tid][1][start:end], asked))
    return turns, len(texts), skipped


def undo_autocode_event(s: Session, p: dict[str, Any], redo: bool = False) -> None:
    """Undo removes the codings the search made (those still there); redo writes them again."""
    rows = p["codings"]
    if not redo:
        for chunk in _chunks(rows):
            s.execute(delete(Coding).where(tuple_(Coding.id, Coding.guid).in_([(r["id"], r["guid"]) for r in chunk])))
        return
    alive = set(s.scalars(select(Segment.id).where(Segment.id.in_({r["segment_id"] for r in rows}))))
    gone = sum(1 for r in rows if r["segment_id"] not in alive)
    if gone:
        raise GoneSince(f"coding every match of {p['code']!r}: {gone} of its segments were removed since")
    s.add_all(Coding(**r) for r in rows)


def _chunks(rows: list[dict[str, Any]], size: int = 500) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _autocode_fields(p: dict[str, Any]) -> dict[str, Any]:
    rows = p.get("codings", [])
    return {
        "code_ids": (p.get("code_id"),),
        "segment_ids": tuple(dict.fromkeys(r["segment_id"] for r in rows)),
        "transcript_ids": tuple(dict.fromkeys(r["transcript_id"] for r in rows)),
    }


events.register(
    AUTOCODE_EVENTS,
    undo=lambda c: undo_autocode_event(c.s, c.payload),
    redo=lambda c: undo_autocode_event(c.s, c.payload, redo=True),
    fields=_autocode_fields,
)
