"""The style sheet of every HTML report page (theme tables, passages, groups), printable as it is.

A module of its own so that the theme renderer and the page shell both read it without importing
each other.
"""

PAGE_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #111; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #999; }
h3, h4, h5, h6 { font-size: 1em; margin: 1.2em 0 .4em; }
p.meta, p.note { color: #444; font-size: .9em; margin: .3em 0; }
table { border-collapse: collapse; font-size: .9em; margin: 1em 0; }
th, td { border-bottom: 1px solid #ccc; padding: .25em .6em; }
th { text-align: left; vertical-align: bottom; border-bottom: 2px solid #333; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.parent td { font-weight: 600; }
tr.any td { border-top: 2px solid #333; font-style: italic; }
td.zero { color: #999; }
blockquote { margin: .5em 0 .8em 1em; padding-left: .8em; border-left: 3px solid #999; }
blockquote cite { display: block; font-style: normal; color: #444; font-size: .9em; margin-top: .2em; }
.legend span { display: inline-block; margin-right: 1.2em; font-size: .85em; }
.legend i { display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: -.1em; }
svg text { font-family: inherit; }
figure svg { max-width: 100%; height: auto; }
figure { margin: 1em 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table, blockquote, tr { page-break-inside: avoid; }
  figure { margin: 0; }
  thead { display: table-header-group; }
  h2 { page-break-after: avoid; }
}
"""
