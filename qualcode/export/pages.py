"""What the analysis reports share: the HTML page shell of the theme tables, Word documents, atomic writes.

The conventions are those of ``render``: ``safe_cell`` for every spreadsheet text cell,
``md_escape`` for Markdown, everything user-written escaped in HTML, the Okabe–Ito palette.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from qualcode.export.files import save_atomic as save_atomic  # the exporters' one way to write a file
from qualcode.export.page_css import PAGE_CSS as _CSS

if TYPE_CHECKING:  # python-docx is imported when a Word file is written
    from docx.document import Document
    from docx.text.paragraph import Paragraph

# Sequential single-hue scale (light to dark blue, Okabe–Ito's blue at the dark end): readable with
# any colour-vision deficiency and in grey; every cell also prints its number.
HEAT = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#0b559f", "#08306b")

_EXTRA_CSS = """
td.heat { text-align: center; font-variant-numeric: tabular-nums; min-width: 2.2em; padding: .25em .3em; }
table.heat td.code { min-width: 16em; }
table.heat { font-size: .85em; }
body.wide { max-width: none; }
table.matrix td, table.matrix th { vertical-align: top; border: 1px solid #bbb; padding: .4em .6em; }
table.matrix td { min-width: 12em; }
table.matrix td p { margin: 0 0 .5em; }
p.count { color: #444; font-size: .85em; margin: .3em 0 0; }
.passage { margin: .8em 0 1.2em; }
.passage .where { color: #444; font-size: .9em; }
.passage .context { color: #555; font-size: .9em; margin: .2em 0 .2em 1.8em; }
.passage .memo { font-size: .85em; color: #333; margin: .2em 0 0 1.8em; }
span.bar { display: inline-block; height: .8em; vertical-align: middle; margin-right: .3em; }
"""


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def html_page(title: str, body: list[str], wide: bool = False) -> str:
    """A self-contained page; ``wide`` lets a large table use the whole window instead of a reading column."""
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}{_EXTRA_CSS}</style>",
        "</head>",
        '<body class="wide">' if wide else "<body>",
        f"<h1>{e(title)}</h1>",
    ]
    return "\n".join(head + body + ["</body>", "</html>"]) + "\n"


def heat_colour(value: float) -> tuple[str, str]:
    """(background, text colour) for a value in 0..1."""
    value = min(1.0, max(0.0, value))
    index = min(len(HEAT) - 1, int(round(value * (len(HEAT) - 1))))
    return HEAT[index], "#ffffff" if index >= 5 else "#111111"


_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def docx_text(value: object) -> str:
    """Word's XML cannot carry most control characters; drop them."""
    return _XML_BAD.sub("", str(value))


def new_document(title: str, landscape: bool = False) -> Document:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = docx.Document()
    doc.core_properties.title = docx_text(title)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    doc.add_heading(docx_text(title), level=1)
    return doc


class DocxBody:
    """Appends paragraphs to a document in constant time each.

    ``Document.add_paragraph(style=…)`` looks the style up by name and searches the body for its
    section break on every call; a code report of 7,000 passages took over a minute that way.
    Here style ids are looked up once and paragraphs go straight in before the section break.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.body = doc.element.body
        self.end = self.body.sectPr
        self.style_ids: dict[str, str] = {}

    def paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        from docx.oxml import OxmlElement
        from docx.text.paragraph import Paragraph

        p = OxmlElement("w:p")
        if self.end is not None:
            self.end.addprevious(p)
        else:
            self.body.append(p)
        if style:
            if style not in self.style_ids:
                self.style_ids[style] = self.doc.styles[style].style_id
            p.get_or_add_pPr().style = self.style_ids[style]
        para = Paragraph(p, self.doc)
        if text:
            para.add_run(docx_text(text))
        return para


def note_paragraph(doc: Document, text: str, body: DocxBody | None = None) -> Paragraph:
    from docx.shared import Pt, RGBColor

    p = body.paragraph() if body is not None else doc.add_paragraph()
    run = p.add_run(docx_text(text))
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    return p
