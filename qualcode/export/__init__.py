"""Writing files: theme tables, reports, codebook documents, framework matrices, REFI-QDA projects.

What they are written from lives below (``qualcode.study``, ``qualcode.analysis``, ``qualcode.refi``);
no domain package imports this one. ``formats`` lists every report's formats.
"""
