"""OpenDocument (.odt) transcripts: in Otter.ai's layout when they are, else as any document.

Beside ``documents.py`` (paragraphs, speakers in bold or on their own line) and ``otter.py``
(Otter's ``Name  0:03`` lines), which it tries first; ``documents.py`` reads .docx files.
"""

from __future__ import annotations

from qualcode.errors import InputError
from qualcode.ingest.formats import Reading, Source, convention_counts, reader
from qualcode.ingest.formats.documents import ODT_MIME, document_lines, document_reading, odt_paragraphs
from qualcode.ingest.formats.otter import otter_document


@reader("odt")
def read_odt(source: Source) -> Reading | None:
    if source.suffix != ".odt" and not (source.is_zip and ODT_MIME in source.data[:200]):
        return None
    if not source.is_zip:
        raise InputError(source.where, "not an OpenDocument .odt text (not a zip archive)")
    paras = odt_paragraphs(source)
    if not any(p.text.strip() for p in paras):
        raise InputError(source.where, "the .odt document has no text")
    counts = convention_counts(document_lines(paras))
    found = otter_document(paras, source.where, "odt", "OpenDocument .odt", counts)
    return found or document_reading(paras, source.where, "odt", "OpenDocument .odt", claim_plain=True, counts=counts)
