"""The store: a project's database session, transactions, the event log and row lookups.

Below everything but ``qualcode.db``. The project's parts (``qualcode.project``) do all their
reading and writing through a ``Store``; nothing here knows about faces or about other parts.
"""

from __future__ import annotations

from qualcode.store.rows import (
    CODER_NAME,
    CODINGS_TABLE,
    MEMOS_TABLE,
    REMOVED_CODER,
    SEGMENTS_TABLE,
    add_coder_row,
    add_coding_row,
    bump_codebook_version,
    children,
    code_row,
    coder_name,
    coder_name_from,
    coder_row,
    coding_at,
    coding_dict,
    coding_info,
    color_of,
    index_segments,
    lock_history,
    log_event,
    memo_dicts,
    new_guid,
    renumber,
    row_by_id,
    setting_value,
    unindex_segments,
)
from qualcode.store.session import Store

__all__ = [
    "CODER_NAME",
    "CODINGS_TABLE",
    "MEMOS_TABLE",
    "REMOVED_CODER",
    "SEGMENTS_TABLE",
    "Store",
    "add_coder_row",
    "add_coding_row",
    "bump_codebook_version",
    "children",
    "code_row",
    "coder_name",
    "coder_name_from",
    "coder_row",
    "coding_at",
    "coding_dict",
    "coding_info",
    "color_of",
    "index_segments",
    "unindex_segments",
    "lock_history",
    "log_event",
    "memo_dicts",
    "new_guid",
    "renumber",
    "row_by_id",
    "setting_value",
]
