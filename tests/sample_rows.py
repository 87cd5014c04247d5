"""The shipped RLN and Pess samples as ``ExportData`` rows, built from the files without a database.

The same steps the demo project takes (``qualcode.samples.build_demo``): parse each transcript,
resolve each codings CSV row against it (``qualcode.ingest.codings.resolve``), skip rows already
there, and keep a CSV memo as a memo on its coding.
"""

from __future__ import annotations

from functools import cache

from qualcode.codebook import load_codebook
from qualcode.ingest import codings as codings_format
from qualcode.ingest.transcripts import parse_file
from qualcode.refi import stable_guid
from qualcode.samples import codebook_path, coding_files, transcript_files
from qualcode.study import (
    ExportCode,
    ExportCoding,
    ExportData,
    ExportMemo,
    ExportParticipant,
    ExportSegment,
    ExportTranscript,
)


@cache
def sample_data(*studies: str) -> ExportData:
    codes: list[ExportCode] = []
    seen_codes: set[str] = set()
    participants: dict[str, ExportParticipant] = {}
    transcripts: list[ExportTranscript] = []
    segments: list[ExportSegment] = []
    codings: list[ExportCoding] = []
    memos: list[ExportMemo] = []
    coders: set[str] = set()
    seg_id = 0
    for study in studies:
        book = load_codebook(codebook_path(study))
        for code, parent, depth in book.walk():
            if code.id not in seen_codes:
                seen_codes.add(code.id)
                codes.append(
                    ExportCode(code.id, code.name, parent, depth, code.description, keywords=tuple(code.keywords))
                )
        by_name: dict[str, tuple[int, str, list[tuple[int, int, int]]]] = {}
        for path in transcript_files(study):
            parsed = parse_file(path)
            label = parsed.front.participant or parsed.name
            person = participants.get(label)
            if person is None:
                person = participants[label] = ExportParticipant(
                    len(participants) + 1, label, dict(parsed.front.attributes), guid=stable_guid("participant", label)
                )
            tid = len(transcripts) + 1
            transcripts.append(
                ExportTranscript(tid, parsed.name, person.id, parsed.text, guid=stable_guid("transcript", parsed.name))
            )
            segs = []
            for position, s in enumerate(parsed.segments):
                seg_id += 1
                segments.append(ExportSegment(seg_id, tid, position, s.speaker, s.start, s.end))
                segs.append((seg_id, s.start, s.end))
            by_name[parsed.name] = (tid, parsed.text, segs)
        existing: set[tuple] = set()
        for path in coding_files(study):
            for row in codings_format.read_codings(path):
                tid, text, segs = by_name[row.transcript]
                rc = codings_format.resolve(row, text, [(a, b) for _, a, b in segs], str(path))
                sid = segs[rc.segment_index][0]
                key = (rc.coder, rc.code, sid, rc.start, rc.end)
                if key in existing:
                    continue
                existing.add(key)
                coders.add(rc.coder)
                guid = stable_guid("coding", len(codings) + 1)
                codings.append(ExportCoding(rc.coder, rc.code, tid, sid, rc.start, rc.end, guid))
                if rc.memo:
                    memos.append(ExportMemo(rc.coder, "coding", guid, rc.memo, stable_guid("memo", len(memos) + 1)))
    transcripts.sort(key=lambda t: t.name)
    return ExportData(
        "+".join(studies),
        "samples",
        codes=codes,
        coders=sorted(coders),
        participants=sorted(participants.values(), key=lambda p: p.label),
        transcripts=transcripts,
        segments=segments,
        codings=sorted(codings, key=lambda c: (c.transcript_id, c.start, c.end)),
        memos=memos,
    )
