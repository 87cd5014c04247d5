"""Events worded for people: "coding Time on segment 4", "moving Peer mentoring under Support".

Plain domain code over ``records.EventInfo``. The caller passes what it knows to name things
(code names by id, segment positions by id); what it does not know is shown by number. Used for
the project's own one-line summaries (no names: "code #12"), the workbench's undo and redo
messages and any listing of events.
"""

from __future__ import annotations

from collections.abc import Mapping

from qualcode.records import EventInfo

PAST = {"undo": "undid", "redo": "redid"}
SKIPPED = {"undo.skip": "undo", "redo.skip": "redo"}  # an undo or redo that found the change's rows gone
UNDO_KINDS = (*PAST, *SKIPPED)


def describe(
    info: EventInfo,
    code_names: Mapping[int, str] | None = None,
    segment_positions: Mapping[int, int] | None = None,
) -> str:
    """One line for ``info``. ``segment_positions`` maps segment id to the position shown (from 1);
    with it, a segment missing from it is "a segment of another transcript"."""
    words = _Words(code_names or {}, segment_positions)
    if info.kind in SKIPPED:
        verb = SKIPPED[info.kind]
        what = words.change(info, info.action) if info.action else f"event #{info.undoes}"
        reason = info.reason or "what it changed is gone"
        before = "the change before it" if verb == "undo" else "the change undone before it"
        return f"cannot {verb} {what}: {reason}; skipped it, so the next {verb} reaches {before}"
    if info.kind in PAST:
        if not info.action:
            return f"{info.kind} of event #{info.undoes}"
        return f"{PAST[info.kind]} {words.change(info, info.action)}"
    return words.change(info, info.kind)


class _Words:
    def __init__(self, code_names: Mapping[int, str], segment_positions: Mapping[int, int] | None) -> None:
        self.code_names = code_names
        self.positions = segment_positions

    def code(self, code_id: int | None, fallback: str | None = None) -> str:
        if code_id is not None and code_id in self.code_names:
            return self.code_names[code_id]
        return fallback or f"code #{code_id}"

    def segment(self, segment_id: int | None) -> str:
        if self.positions is None or segment_id is None:
            return f"segment #{segment_id}"
        if segment_id in self.positions:
            return f"segment {self.positions[segment_id]}"
        return "a segment of another transcript"

    def change(self, info: EventInfo, kind: str) -> str:
        first_code = info.code_ids[0] if info.code_ids else None
        first_segment = info.segment_ids[0] if info.segment_ids else None
        if kind == "coding.add":
            return f"coding {self.code(first_code)} on {self.segment(first_segment)}"
        if kind == "coding.remove":
            return f"removing the coding {self.code(first_code)} from {self.segment(first_segment)}"
        if kind == "memo.set":
            return f"memo on {self.memo_target(info)}"
        name = info.code_name or self.code(first_code, info.code_key)
        if kind == "code.add":
            return f"adding code {name}"
        if kind == "code.update":
            return self.code_update(info, self.code(first_code, info.code_key))
        if kind == "code.delete":
            return f"deleting code {name}"
        if kind == "code.merge":
            into = self.code(info.code_ids[1]) if len(info.code_ids) > 1 else "another code"
            return f"merging code {name} into {into}"
        if kind in ("suggestion.accept", "suggestion.reject"):
            verb = "accepting" if kind == "suggestion.accept" else "rejecting"
            return f"{verb} suggestion #{info.suggestion_id}"
        if kind == "matrix.create":
            return f"creating matrix {info.matrix_name}"
        if kind == "matrix.delete":
            return f"deleting matrix {info.matrix_name}"
        if kind == "matrix.cell":
            return f"summary of {info.matrix_row} × {info.matrix_column} in matrix {info.matrix_name}"
        if kind == "transcript.import":
            return f"import of {info.transcript_name} ({info.n_segments} segments)"
        if kind == "transcript.replace":
            return f"replacing the text of {info.transcript_name}"
        if kind == "transcript.rename":
            return f"renaming {info.transcript_name}"
        if kind == "transcript.remove":
            return f"removing {info.transcript_name}"
        if kind == "participant.attributes":
            return f"the attributes of {info.participant_label}"
        if kind == "coding.autocode":
            n = len(info.segment_ids)
            return f"coding {self.code(first_code)} on every match ({n} segment{'' if n == 1 else 's'})"
        if kind == "transcript.speakers":
            return f"who the speakers of {info.transcript_name} are"
        if kind in ("coder.rename", "coder.merge", "coder.remove"):
            return self.coder_change(info, kind)
        return kind

    @staticmethod
    def coder_change(info: EventInfo, kind: str) -> str:
        first, *rest = info.coder_names or ("?",)
        other = rest[0] if rest else "?"
        if kind == "coder.rename":
            return f"renaming coder {first} to {other}"
        if kind == "coder.merge":
            return f"merging coder {first} into {other}"
        return f"removing coder {first}"

    def memo_target(self, info: EventInfo) -> str:
        if info.memo_target == "segment":
            return self.segment(info.memo_target_id)
        if info.memo_target == "code":
            return f"the code {self.code(info.memo_target_id)}"
        return f"{info.memo_target} #{info.memo_target_id}"

    def code_update(self, info: EventInfo, name: str) -> str:
        fields = {c.field: c for c in info.changes}
        if "parent_id" in fields:
            parent = fields["parent_id"].after
            if parent == fields["parent_id"].before:
                return f"moving {name} among its siblings"
            return f"moving {name} " + (f"under {self.code(parent)}" if parent is not None else "to the top level")
        return f"changing code {name} ({', '.join(fields)})"
