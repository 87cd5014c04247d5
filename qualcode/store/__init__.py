"""The store: a project's database session, transactions, the event log and row lookups.

Below everything but ``qualcode.db``. The project's parts (``qualcode.project``) do all their
reading and writing through a ``Store``; nothing here knows about faces or about other parts.
"""

from __future__ import annotations

from qualcode.store.rows import (
    CODER_NAME,
    bump_codebook_version,
    children,
    code_dict,
    code_infos,
    code_row,
    codebook_doc,
    coder_row,
    coding_dict,
    coding_info,
    color_of,
    index_segments,
    insert_codes,
    log_event,
    memo_dicts,
    new_guid,
    project_speakers,
    renumber,
    segment_info,
    set_definition,
    setting_value,
)
from qualcode.store.session import Store

__all__ = [
    "CODER_NAME",
    "Store",
    "bump_codebook_version",
    "children",
    "code_dict",
    "code_infos",
    "code_row",
    "codebook_doc",
    "coder_row",
    "coding_dict",
    "coding_info",
    "color_of",
    "index_segments",
    "insert_codes",
    "log_event",
    "memo_dicts",
    "new_guid",
    "project_speakers",
    "renumber",
    "segment_info",
    "set_definition",
    "setting_value",
]
