"""Suggestions and anonymisation: `qualcode suggest`, `qualcode anonymise`.

Thin wrappers over ``qualcode.project`` (``project.suggestions``) and the plain functions of
``qualcode.suggest``; spaCy is imported only when a command needs it.
"""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import (
    Column,
    console,
    db_option,
    format_option,
    open_project,
    plain,
    print_table,
    progress_bar,
    transcripts_option,
    working,
)
from qualcode.errors import QualcodeError
from qualcode.segments import segment_ref


@click.command()
@transcripts_option("Suggest for these transcripts only (default: all).", dest="transcripts")
@click.option(
    "--coder",
    multiple=True,
    metavar="NAME",
    help="Learn from this coder's codings; repeat for the codings several coders agree on (default: everyone's).",
)
@click.option(
    "--train/--no-train",
    "train",
    default=None,
    help="Train a new model first (default: only when none exists or enough new codings arrived).",
)
@click.option("--keywords-only", is_flag=True, help="Keyword suggestions only; no model.")
@click.option("--definitions", is_flag=True, help="Also match distinctive words from each code's definition.")
@click.option("--top", default=3, show_default=True, help="At most this many suggestions per segment.")
@click.option(
    "--min-score",
    default=0.3,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Keep suggestions scoring at least this (a calibrated probability once a model is trained); "
    "with --evaluate: what a coder would be shown at this score.",
)
@click.option(
    "--architecture",
    type=click.Choice(["linear", "bow", "ensemble"]),
    default="linear",
    show_default=True,
    help="linear: TF-IDF and one logistic regression per code (best on real codebooks); "
    "bow: spaCy's bag-of-words classifier; ensemble: spaCy's default with a CNN (slower).",
)
@click.option(
    "--evaluate", is_flag=True, help="Cross-validate keywords, model, both and a TF-IDF baseline; change nothing."
)
@click.option("--folds", default=5, show_default=True, help="Folds for --evaluate (whole transcripts per fold).")
@click.option(
    "--threshold",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Score at which --evaluate counts a code as suggested, for F1.",
)
@click.option("--per-code", is_flag=True, help="With --evaluate: F1 of every code, per system.")
@format_option("table", "md", help="With --evaluate: table for reading, md for Markdown tables.")
@click.option("--markdown", is_flag=True, hidden=True, help="Same as --format md.")
@click.option("--no-baseline", is_flag=True, help="With --evaluate: skip the scikit-learn baseline.")
@click.option(
    "--list", "show", is_flag=True, help="List the open suggestions (of --transcripts) instead of computing them."
)
@click.option("--models", "show_models", is_flag=True, help="List the trained models.")
@click.option(
    "--accept", multiple=True, type=int, metavar="ID", help="Accept suggestion ID as --coder (creates a coding)."
)
@click.option("--reject", multiple=True, type=int, metavar="ID", help="Reject suggestion ID as --coder.")
@click.option(
    "--learn-across-coders",
    "across",
    type=click.Choice(["yes", "no"]),
    help="Set the project's blind-coding rule and stop: no (the default) means a coder's suggestions for a "
    "transcript never learn from another coder's codings of it; yes lets them.",
)
@db_option
def suggest(
    transcripts,
    coder,
    train,
    keywords_only,
    definitions,
    top,
    min_score,
    architecture,
    evaluate,
    folds,
    threshold,
    per_code,
    fmt,
    markdown,
    no_baseline,
    show,
    show_models,
    accept,
    reject,
    across,
    db,
) -> None:
    """Suggest codes for segments from the codebook's keywords and a model trained on your codings.

    Fills the project's suggestion table; nothing becomes a coding until a person accepts it (in
    the workbench, or here with --accept). Each suggestion says why: the words that matched,
    and the model's calibrated score and version.

    \b
    Examples:
      # keywords + model for every transcript
      qualcode suggest
      # learn from alice, suggest for one interview
      qualcode suggest -t rln-05-teacher --coder alice
      # what was suggested, and why
      qualcode suggest --list -t rln-05-teacher
      # accept suggestion 12 as alice
      qualcode suggest --accept 12 --coder alice
      # precision@k, recall@3, macro-F1 against a baseline
      qualcode suggest --evaluate --folds 5
    """
    names = transcripts
    coders = list(coder) or None
    with open_project(db) as project:
        if across:
            project.set_setting("suggest.learn_across_coders", across)
            console().print(
                "suggestions now learn from every coder's codings of every transcript"
                if across == "yes"
                else "blind coding: a coder's suggestions never learn from another coder's codings of the same transcript"
            )
        elif accept or reject:
            _decide(project, accept, reject, coders)
        elif show_models:
            _show_models(project)
        elif show:
            _show(project, names, coders)
        elif evaluate:
            _evaluate(
                project,
                coders,
                folds,
                threshold,
                architecture,
                definitions,
                not no_baseline,
                per_code,
                markdown or fmt == "md",
                min_score,
            )
        else:
            _fill(project, names, coders, train, keywords_only, definitions, top, min_score, architecture)


def _decide(project, accept, reject, coders) -> None:
    if not coders or len(coders) != 1:
        raise QualcodeError("say who decides: --accept/--reject need exactly one --coder NAME")
    out = console()
    for sid in accept:
        info = project.accept_suggestion(sid, coders[0])
        out.print(plain(f"accepted suggestion {sid}: {info.code_name} on segment {info.segment_id} (coding {info.id})"))
        project.learn_from_decision(sid)  # the model learns it now, as in the workbench
    for sid in reject:
        rejected = project.reject_suggestion(sid, coders[0])
        out.print(plain(f"rejected suggestion {sid}: {rejected.code_name} on segment {rejected.segment_id}"))
        project.learn_from_decision(sid)


def _show_models(project) -> None:
    models = project.models()
    out = console()
    if not models:
        out.print("no models trained yet; `qualcode suggest` trains one once there are codings")
        return
    columns = [Column("version"), Column("active"), Column("trained"), Column("coders")]
    columns += [Column(h, numeric=True) for h in ("examples", "codes", "seconds", "size")]
    rows = []
    for m in models:
        on = m.trained_on
        rows.append(
            [
                m.version,
                "yes" if m.active else "",
                m.created_at.strftime("%Y-%m-%d %H:%M"),
                ", ".join(on.get("coders") or []),
                on.get("examples", ""),
                len(on.get("positives") or {}),
                m.metrics.get("seconds", ""),
                f"{m.size / 1e6:.1f} MB",
            ]
        )
    print_table(out, columns, rows)


def _show(project, names, coders) -> None:
    ids = project.transcript_ids(names)
    wanted = None if ids is None else set(ids)
    by_id = {t.id: t.name for t in project.list_transcripts()}
    rows = [
        s
        for s in project.list_suggestions(coder=coders[0] if coders and len(coders) == 1 else None)
        if wanted is None or s.transcript_id in wanted
    ]
    out = console()
    if not rows:
        out.print("no open suggestions; run `qualcode suggest` to make some")
        return
    positions = {}
    for tid in {s.transcript_id for s in rows}:
        for seg in project.segments(tid):
            positions[seg.id] = (seg.position, seg.text)
    columns = [Column("id", numeric=True), Column("transcript"), Column("segment", numeric=True), Column("code")]
    columns += [Column("score", numeric=True), Column("why"), Column("text", style="dim")]
    table = []
    for s in rows:
        pos, body = positions.get(s.segment_id, (0, ""))
        snippet = body if len(body) <= 60 else body[:57] + "…"
        table.append(
            [s.id, by_id.get(s.transcript_id, ""), segment_ref(pos), s.code_name, f"{s.score:.2f}", s.reason, snippet]
        )
    print_table(out, columns, table)
    out.print(plain(f"{len(rows)} open suggestions; accept with `qualcode suggest --accept ID --coder NAME`"))


def _fill(project, names, coders, train, keywords_only, definitions, top, min_score, architecture) -> None:
    from qualcode import nlp
    from qualcode.suggest import engine, model

    out = console()
    err = console(stderr=True)
    lemma_model = project.lemma_model()
    if not nlp.has_trained(lemma_model):
        err.print(
            plain(
                f"note: no trained spaCy pipeline ({lemma_model or 'en_core_web_sm'}); keywords are matched "
                "on word forms, not lemmas; `pip install 'qualcode[nlp]'` adds one"
            )
        )
    if not keywords_only:
        status = project.model_status(coders)
        if train or (train is None and status.stale):
            try:
                payload = project.training_payload(coders, architecture=architecture, use_definitions=definitions)
            except QualcodeError as exc:
                if train:
                    raise
                err.print(plain(f"note: no model: {exc}; keyword suggestions only"))
                payload = None
            if payload is not None:
                with working(f"training a suggestion model ({status.reason})"):
                    try:
                        result = model.train_payload(payload)
                    except ValueError as exc:
                        if train:
                            raise QualcodeError(str(exc)) from None
                        result = None
                        err.print(plain(f"note: no model: {exc}; keyword suggestions only"))
                if result is not None:
                    info = project.store_model(result)
                    out.print(
                        plain(
                            f"trained model {info.version} on {result['trained_on']['examples']} segments, "
                            f"{len(result['meta']['labels'])} codes, in {result['metrics']['seconds']:.1f} s"
                        )
                    )
        elif status.active:
            out.print(plain(f"using model {status.reason}"))
    payload, segment_ids = project.suggestion_payload(
        names,
        coders,
        use_model=not keywords_only,
        top=top,
        min_score=min_score,
        use_definitions=definitions,
        for_coder=coders[0] if coders and len(coders) == 1 else None,
    )
    from qualcode.suggest.calibration import Calibrator
    from qualcode.suggest.keywords import CodeKeywords
    from qualcode.suggest.model import LoadedModel, SegmentText

    codes = [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in payload["codes"]]
    loaded = None
    if payload.get("train"):
        # Blind coding: the active model learned from other coders' codings of these transcripts.
        with working("training a model without other coders' codings of these transcripts"):
            try:
                blind = model.train_payload(payload["train"])
                payload["model"] = {"data": blind["data"], "meta": blind["meta"], "version": "blind"}
                if "keyword_calibrator" in blind["meta"]:
                    payload["keyword_calibrator"] = blind["meta"]["keyword_calibrator"]
            except ValueError as exc:
                payload["model"] = None
                err.print(plain(f"note: no model: {exc} (other coders' codings of these transcripts left out)"))
    if payload["model"]:
        m = payload["model"]
        try:
            loaded = LoadedModel(m["data"], m["meta"], m["version"], lemma_model)
            loaded.words(["check"])
        except nlp.NoTrainedPipeline as exc:
            err.print(plain(f"note: {exc}; keyword suggestions only"))
            loaded = None
    calibrator = Calibrator.from_dict(payload["keyword_calibrator"]) if payload["keyword_calibrator"] else None
    segments = [SegmentText(*s) for s in payload["segments"]]
    why: dict[int, str] = {}
    with progress_bar(out) as bar:
        task = bar.add_task("suggesting", total=len(segments))
        proposals = engine.propose(
            segments,
            codes,
            loaded,
            calibrator,
            top=top,
            min_score=min_score,
            use_definitions=definitions,
            lemma_model=lemma_model,
            skip=payload["skip"],
            progress=lambda n: bar.advance(task, n),
            why=why,
        )
    stored = project.store_suggestions(proposals, segment_ids)
    themes = sum(1 for p in proposals if p.source == "theme")
    with_words = sum(1 for p in proposals if p.reason["words"])
    where = f"{len(names)} transcript(s)" if names else "all transcripts"
    model_part = f"model {loaded.version} + keywords" if loaded else "keywords only"
    out.print(
        plain(
            f"{stored} suggestions for {where} ({model_part}; {with_words} with matched words"
            + (f"; {themes} of a theme where no code was confident" if themes else "")
            + "); `qualcode suggest --list` shows them"
        )
    )
    out.print(plain(engine.Coverage.of(segments, proposals, why, min_score).line()))


def _evaluate(
    project, coders, folds, threshold, architecture, definitions, baseline, per_code, markdown, min_score
) -> None:
    from qualcode.suggest.evaluate import cross_validate
    from qualcode.suggest.keywords import CodeKeywords
    from qualcode.suggest.model import SegmentText, training_examples
    from qualcode.suggest.report import evaluation_tables, markdown_table

    payload = project.training_payload(coders, architecture=architecture, use_definitions=definitions)
    theme_of = payload["themes"]
    codes = [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in payload["codes"]]
    examples = training_examples(
        [SegmentText(*s) for s in payload["segments"]],
        payload["codings"],
        coders,
        payload["rejected"],
        [c.key for c in codes],
    )
    out = console()
    with working("cross-validating") as status:
        try:
            ev = cross_validate(
                examples,
                codes,
                k=folds,
                architecture=architecture,
                threshold=threshold,
                baseline=baseline,
                lemma_model=project.lemma_model(),
                use_definitions=definitions,
                progress=lambda msg: status.update(f"cross-validating: {msg}"),
                themes=theme_of,
            )
        except ValueError as exc:
            raise QualcodeError(str(exc)) from None
    who = " and ".join(coders) if coders else "every coder (agreed codings)"
    head = (
        f"{ev.folds}-fold cross-validation on {ev.segments} segments ({ev.coded_segments} coded) of {who}; "
        f"{len(ev.codes)} codes; F1 at score >= {threshold}"
    )
    if markdown:
        click.echo(head + "\n")
        for columns, rows in evaluation_tables(ev, per_code=per_code, theme_of=theme_of, shown=[min_score]):
            click.echo(markdown_table(columns, rows) + "\n")
    else:
        out.print(plain(head))
        for columns, rows in evaluation_tables(ev, per_code=per_code, theme_of=theme_of, shown=[min_score]):
            out.print()
            print_table(out, [Column(c, numeric=i > 0 and c != "note") for i, c in enumerate(columns)], rows)
    for note in ev.notes:
        console(stderr=True).print(plain(f"note: {note}"))


# ---------------------------------------------------------------------- anonymise


@click.command()
@transcripts_option(dest="transcripts")
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The real → pseudonym table (CSV) to write for review, or to apply once it exists. "
    "Keep it apart from the project and never share it.",
)
@click.option(
    "--words",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Add names to the project's word list: one per line, optionally 'name,kind' "
    "(kind: person, school, place, organisation).",
)
@click.option(
    "--no-ner",
    is_flag=True,
    help="Do not use the trained pipeline's named entities (names from front matter and the word list only).",
)
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Rewrite the transcripts with the pseudonyms (with --mapping: from that file).",
)
@db_option
def anonymise(transcripts, mapping, words, no_ner, apply_, db) -> None:
    """Replace the names of people, schools, places and organisations with pseudonyms.

    Names come from participants' front matter (identifying: name, school, town, others), the
    project's word list (--words) and, when a trained spaCy pipeline is installed, its named
    entities. Each real name gets one pseudonym across the project ("[Headteacher 1]",
    "[School C]", "[Town 2]"). Without --apply nothing changes: review the list, or write it
    with --mapping FILE, edit the pseudonyms (or delete rows to keep a name), then run again with
    --mapping FILE --apply. Every coding and segment keeps covering the same words.

    \b
    Examples:
      qualcode anonymise                              # what would be replaced
      qualcode anonymise --mapping ~/private/map.csv  # the table, for review
      qualcode anonymise --mapping ~/private/map.csv --apply
    """
    from qualcode.suggest import anonymise as anon

    names = transcripts
    out = console()
    err = console(stderr=True)
    with open_project(db) as project:
        if words:
            added = project.add_anonymise_words(anon.read_word_list(words))
            out.print(plain(f"word list: {added} new name(s) added ({words})"))
        if mapping is not None and mapping.exists():
            table = anon.read_mapping(mapping)
            anon.count_occurrences(table, project.anonymise_inputs(names)["texts"])
            source = f"from {mapping}"
        else:
            with working("finding names"):
                found = project.find_names(names, ner=not no_ner)
            for note in found.notes:
                err.print(plain(f"note: {note}"))
            table = found.mapping
            source = "proposed"
            if mapping is not None:
                anon.write_mapping(mapping, table)
                out.print(
                    plain(
                        f"wrote {len(table)} names to {mapping}: review and edit the pseudonyms, keep the file "
                        "apart from the project, then run again with --mapping and --apply"
                    )
                )
        if not table:
            out.print("no names found to replace")
            return
        if not (mapping is not None and not apply_ and source == "proposed"):
            _print_mapping(out, table, source)
        if apply_:
            if mapping is None:
                raise QualcodeError(
                    "--apply needs --mapping FILE, so that the real names are kept somewhere "
                    "other than the project (write it first with --mapping FILE)"
                )
            result = project.anonymise(table, names)
            out.print(
                plain(
                    f"rewrote {result.transcripts} transcript(s): {result.replacements} replacements; "
                    f"{result.segments} segments and {result.codings} codings moved"
                )
            )
            for note in result.notes:
                err.print(plain(f"note: {note}"))
        else:
            out.print("nothing changed; add --mapping FILE --apply to rewrite the transcripts")


def _print_mapping(out, table, source) -> None:
    columns = [Column("real"), Column("pseudonym"), Column("kind"), Column("where found")]
    columns.append(Column("occurrences", numeric=True))
    rows = [[row.real, row.pseudonym, row.kind, ", ".join(row.sources), row.count] for row in table]
    print_table(out, columns, rows, f"names ({source})")


COMMANDS = [suggest, anonymise]
