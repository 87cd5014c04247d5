"""The analysis stage: reading a theme across the study, comparing groups and codes, framework matrices.

Plain Python on ``qualcode.study.ExportData`` (one read of the project, detached from the
database), so that the project API only has to fill those rows and tests can build them by hand:

- ``retrieval``: every passage of a code (and its sub-codes) across the study, filtered by
  participant attributes, coders and text, grouped by participant or attribute, with context turns;
- ``cooccurrence``: codes applied to the same segment, as counts and Jaccard;
- ``compare``: per code, the share of participants in each of two groups who mention it;
- ``matrix``: framework matrices (rows × themes, a written summary per cell), their supporting
  passages, and the data file they are shipped in.

Which rows each needs (``Project.export_data`` arguments):

==========================  =====================================================================
``retrieve``                codes, coders, participants, transcripts *with text*, segments,
                            codings *with GUIDs* (``details=True``) and memos, for memos on
                            codings; ``texts=True, memos=True``
``cooccurrence``            codes, coders, codings (participants and transcripts for ``where``);
                            ``texts=False, memos=False, details=False``
``compare_groups``          codes, coders, participants, transcripts, codings; no texts
``build_matrix_view``       as ``retrieve`` when asked for counts or quotes; otherwise participants
                            and transcripts only
==========================  =====================================================================

Reuse one ``retrieval.Study(data)`` for several queries on the same read. Every function makes a
fixed number of linear passes over the codings and segments.
"""
