"""The limits qualcode checks before it does any work, in one place (README, "Reliability").

Field lengths are the column sizes of ``qualcode.db.models`` (a test keeps the two equal). They are
checked here, in plain Python, so that SQLite (which would store any length) and PostgreSQL (which
would fail mid-transaction) accept exactly the same data, and the user gets one line naming the
limit instead of a database error.
"""

from __future__ import annotations

from qualcode.errors import InputError

# characters; the column each one guards is in the comment
FIELD_LIMITS: dict[str, int] = {
    "coder name": 100,  # coders.name
    "participant label": 300,  # participants.label
    "transcript name": 300,  # transcripts.name
    "code id": 200,  # codes.key
    "code name": 300,  # codes.name
    "codebook name": 300,  # codebooks.name
    "speaker label": 200,  # segments.speaker
    "attribute name": 100,  # a key in participants.attributes (JSON): kept short enough for every table header
    "attribute value": 1000,
    "matrix name": 300,  # matrices.name
    "matrix row": 300,  # matrix_cells.row_label: a participant label or an attribute value
}

MAX_TRANSCRIPT_BYTES = 10 * 1024 * 1024  # one transcript file, as read (not as stat says); --max-size raises it
MAX_CODINGS_BYTES = 10 * 1024 * 1024  # one codings CSV
MAX_CODEBOOK_BYTES = 5 * 1024 * 1024  # one codebook YAML
MAX_CODES = 10_000  # codes in one codebook (YAML or REFI .qdc/.qdpx)
MAX_CODE_DEPTH = 12  # levels of codes under codes
MAX_YAML_ALIASES = 100  # '*alias' uses in one YAML document (an alias bomb needs many)
MAX_YAML_DEPTH = 40  # nested lists/mappings in one YAML document
MAX_PARAGRAPH_CHARS = 1_000_000  # one paragraph or turn, the most spaCy will split into sentences
MAX_REFI_MEMBER_BYTES = 50 * 1024 * 1024  # one member of a .qdpx, counted as it is decompressed
MAX_REFI_TOTAL_BYTES = 500 * 1024 * 1024  # all members of a .qdpx together


def check_length(what: str, value: str | None, where: str) -> None:
    """Refuse ``value`` when it is longer than the limit for ``what`` (a key of ``FIELD_LIMITS``)."""
    limit = FIELD_LIMITS[what]
    if value is not None and len(value) > limit:
        raise InputError(where, f"{what} is {len(value):,} characters long; the limit is {limit:,}")
