"""Every memo in one list, with its place: ``qualcode memos`` and the workbench's memo list."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from qualcode.db.models import Code, Coder, Coding, Memo, Segment, Transcript, unpacked
from qualcode.errors import QualcodeError
from qualcode.records import MemoEntry
from qualcode.store import Store

MAX_SEARCH_CHARS = 1_000


class MemoListPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def memo_entries(
        self,
        search: str | None = None,
        coders: Iterable[str] | None = None,
        code: str | None = None,
        transcripts: Iterable[str] | None = None,
    ) -> list[MemoEntry]:
        """Memos by transcript and place, then codes' memos; ``search`` matches the memo's text
        (without case); ``code`` keeps memos on that code and on its codings."""
        needle = (search or "").strip().casefold()
        if search is not None and not needle:
            raise QualcodeError("--search needs some text to look for")
        if len(needle) > MAX_SEARCH_CHARS:
            raise QualcodeError(f"--search is {len(needle):,} characters; at most {MAX_SEARCH_CHARS:,}")
        wanted_coders = set(coders or [])
        wanted_transcripts = set(transcripts or [])
        with self._store.read() as s:
            _check(s, wanted_coders, code, wanted_transcripts)
            out = [e for e in _entries(s) if _keeps(e, needle, wanted_coders, code, wanted_transcripts)]
        out.sort(key=lambda e: (e.transcript is None, e.transcript or "", e.position or 0, e.code or "", e.id))
        return out


def _check(s: Session, coders: set[str], code: str | None, transcripts: set[str]) -> None:
    known = set(s.scalars(select(Coder.name)))
    for name in sorted(coders - known):
        raise QualcodeError(f"unknown coder {name!r} (coders: {', '.join(sorted(known)) or 'none yet'})")
    if code is not None and s.scalar(select(Code.id).where(Code.key == code)) is None:
        raise QualcodeError(f"unknown code {code!r}; `qualcode codebook show` lists the codes")
    names = set(s.scalars(select(Transcript.name)))
    for name in sorted(transcripts - names):
        raise QualcodeError(f"no transcript named {name!r}; `qualcode transcripts list` shows them")


def _keeps(e: MemoEntry, needle: str, coders: set[str], code: str | None, transcripts: set[str]) -> bool:
    if needle and needle not in e.text.casefold():
        return False
    if coders and e.coder not in coders:
        return False
    if code is not None and e.code != code:
        return False
    return not transcripts or e.transcript in transcripts


def _entries(s: Session) -> list[MemoEntry]:
    seg = aliased(Segment)
    coding_seg = aliased(Segment)
    t_direct, t_seg, t_coding = aliased(Transcript), aliased(Transcript), aliased(Transcript)
    code_direct, code_coding = aliased(Code), aliased(Code)
    q = (
        select(
            Memo,
            Coder.name,
            t_direct.name,
            t_direct.id,
            seg.id,
            seg.position,
            seg.start,
            seg.end,
            t_seg.name,
            t_seg.id,
            func.substr(unpacked(t_seg.text), seg.start + 1, seg.end - seg.start),
            Coding.start,
            Coding.end,
            coding_seg.id,
            coding_seg.position,
            t_coding.name,
            t_coding.id,
            func.substr(unpacked(t_coding.text), Coding.start + 1, Coding.end - Coding.start),
            code_coding.key,
            code_coding.name,
            code_direct.key,
            code_direct.name,
        )
        .join(Coder, Coder.id == Memo.coder_id)
        .outerjoin(t_direct, t_direct.id == Memo.transcript_id)
        .outerjoin(seg, seg.id == Memo.segment_id)
        .outerjoin(t_seg, t_seg.id == seg.transcript_id)
        .outerjoin(Coding, Coding.id == Memo.coding_id)
        .outerjoin(coding_seg, coding_seg.id == Coding.segment_id)
        .outerjoin(t_coding, t_coding.id == Coding.transcript_id)
        .outerjoin(code_coding, code_coding.id == Coding.code_id)
        .outerjoin(code_direct, code_direct.id == Memo.code_id)
        .order_by(Memo.id)
    )
    out = []
    for r in s.execute(q):
        memo, coder = r[0], r[1]
        updated = memo.updated_at.isoformat() if memo.updated_at else ""
        if memo.segment_id is not None:
            out.append(
                MemoEntry(memo.id, coder, "segment", memo.text, updated, r[8], r[9], r[4], r[5], passage=r[10] or "")
            )
        elif memo.coding_id is not None:
            out.append(
                MemoEntry(
                    memo.id, coder, "coding", memo.text, updated, r[15], r[16], r[13], r[14], r[18], r[19], r[17] or ""
                )
            )
        elif memo.code_id is not None:
            out.append(MemoEntry(memo.id, coder, "code", memo.text, updated, code=r[20], code_name=r[21]))
        else:
            out.append(MemoEntry(memo.id, coder, "transcript", memo.text, updated, r[2], r[3]))
    return out
