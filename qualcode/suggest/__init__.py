"""Suggestions: keyword evidence (``keywords``), a model trained on the project's own codings
(``model``, ``calibration``), the two combined into proposals (``engine``), their evaluation
(``evaluate``, ``report``) and anonymisation (``anonymise``). Plain Python on plain data."""
