"""Suggestions, trained suggestion models and anonymisation: the project's side of ``qualcode.suggest``.

``SuggestionPart`` of ``qualcode.project``. The CPU-heavy work (training, matching, NER) is done by
plain top-level functions in ``qualcode.suggest`` on plain data, so a caller can run it in a
process pool; this module only reads what they need and stores what they return, each change in
one transaction with one event:

    payload = project.training_payload(coders)               # plain data
    result = pool.submit(model.train_payload, payload)        # anywhere, any process
    project.store_model(result.result())                      # event "model.train"

    payload, segment_ids = project.suggestion_payload(transcripts=[...])
    proposals = pool.submit(engine.suggest_payload, payload).result()
    project.store_suggestions(proposals, segment_ids)          # event "suggestions.fill"

    project.list_suggestions(segment_id=..., coder="alice")  # what to show for a segment
    project.accept_suggestion(suggestion_id, "alice")         # a coding, origin "suggestion"
    project.reject_suggestion(suggestion_id, "alice")         # negative evidence for training

Accepting is the normal coding path (event ``coding.add``, undone by ``u``, which also reopens the
suggestion); rejecting is event ``suggestion.reject``, undoable too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session, aliased

from qualcode import nlp
from qualcode.db.models import (
    Code,
    Coder,
    Coding,
    Memo,
    NlpModel,
    Participant,
    ProjectInfo,
    Segment,
    Suggestion,
    Transcript,
    utcnow,
)
from qualcode.errors import QualcodeError
from qualcode.heap import paused_gc
from qualcode.project import events
from qualcode.project.mapping import code_infos, project_speakers
from qualcode.project.placement import covered
from qualcode.project.settings import SettingsPart
from qualcode.records import (
    CodingInfo,
)
from qualcode.store import (
    CODINGS_TABLE,
    Store,
    add_coding_row,
    coder_row,
    coding_at,
    coding_dict,
    coding_info,
    color_of,
    index_segments,
    log_event,
    row_by_id,
    unindex_segments,
)
from qualcode.suggest import anonymise as anon
from qualcode.suggest.anonymise import ParticipantNames

if TYPE_CHECKING:  # the engine and the matcher load numpy: only commands that suggest pay for it
    from qualcode.suggest.engine import Proposal

# Plain rows handed to qualcode.suggest (and to other processes):
SegmentRow = tuple[int, int, str, str | None, bool]  # segment id, transcript id, text, speaker, interviewer?
CodeRow = tuple[str, str, list[str], str]  # key, name, keywords, words of its definition
CodingRow = tuple[str, int, int, str]  # coder, transcript id, segment id, code key

SUGGESTIONS_TABLE: Table = Suggestion.__table__  # type: ignore[assignment]
"""For one Core insert of a run's suggestions (no ORM bookkeeping per row)."""
SUGGESTION_EVENTS = ("suggestion.accept", "suggestion.reject")
RETRAIN_MIN_NEW = 20  # retrain when this many codings (and a quarter more than trained on) have arrived
RETRAIN_FRACTION = 0.25
ANONYMISE_WORDS = "anonymise.words"  # project setting: JSON list of {"text": ..., "kind": ...}
# Blind coding: a coder's suggestions for a transcript are never learned from another coder's
# codings (or rejections) of that same transcript, unless this project setting is "yes".
LEARN_ACROSS_CODERS = "suggest.learn_across_coders"


@dataclass(frozen=True)
class SuggestionInfo:
    """An open (or decided) suggestion of a code for a segment, with why it was made."""

    id: int
    segment_id: int
    transcript_id: int
    code_key: str
    code_name: str
    source: str  # keywords | model | both
    score: float
    reason: str  # one line: 'words: governors, "signed off" · model 0.82 (v3)'
    words: tuple[
        tuple[int, int, str, str, str], ...
    ]  # (start, end, text, keyword, kind), offsets into the segment text
    model_score: float | None
    keyword_score: float
    model_version: str | None
    status: str  # open | accepted | rejected
    color: str | None = None


@dataclass(frozen=True)
class ModelInfo:
    id: int
    version: str
    kind: str
    active: bool
    created_at: datetime
    trained_on: dict[str, Any]
    metrics: dict[str, Any]
    size: int


@dataclass(frozen=True)
class ModelStatus:
    active: str | None
    stale: bool
    reason: str
    new_codings: int


class SuggestionPart:
    def __init__(self, store: Store, settings: SettingsPart) -> None:
        self._store = store
        self._settings = settings

    # ------------------------------------------------------------------ plain data for the domain

    def _segments_data(self, s: Session, transcript_ids: Iterable[int] | None = None) -> list[SegmentRow]:
        q = select(Segment.id, Segment.transcript_id, Segment.start, Segment.end, Segment.speaker).order_by(
            Segment.transcript_id, Segment.position
        )
        ids = None if transcript_ids is None else list(transcript_ids)
        if ids is not None:
            q = q.where(Segment.transcript_id.in_(ids))
        texts: dict[int, str] = {}
        tq = select(Transcript.id, Transcript.text)
        if ids is not None:
            tq = tq.where(Transcript.id.in_(ids))
        for tid, body in s.execute(tq):
            texts[tid] = body
        speakers = project_speakers(s)
        return [
            (sid, tid, texts[tid][a:b], speaker, speakers.is_interviewer(speaker, tid))
            for sid, tid, a, b, speaker in s.execute(q)
        ]

    def _codes_data(self, s: Session) -> list[CodeRow]:
        return [
            (
                c.key,
                c.name,
                list(c.keywords or ()),
                " ".join(x for x in (c.name, c.description, c.include, c.example) if x),
            )
            for c in s.scalars(select(Code).order_by(Code.position, Code.id))
        ]

    def transcript_ids(self, names: Iterable[str] | None) -> list[int] | None:
        """Ids of the named transcripts (None for all); an unknown name is an error."""
        if names is None:
            return None
        names = list(names)
        with self._store.read() as s:
            found = dict(s.execute(select(Transcript.name, Transcript.id).where(Transcript.name.in_(names))).all())
        for name in names:
            if name not in found:
                raise QualcodeError(f"no transcript named {name!r}; `qualcode transcripts list` shows them")
        return [found[n] for n in names]

    def training_payload(
        self,
        coders: Iterable[str] | None = None,
        architecture: str = "linear",
        use_definitions: bool = False,
        epochs: int | None = None,
        seed: int = 0,
    ) -> dict[str, Any]:
        """Everything ``qualcode.suggest.model.train_payload`` needs, as plain data."""
        coders = list(coders) if coders else None
        lemma_model = self._settings.lemma_model()  # before the read: sessions must never nest (SQLite locks)
        with self._store.read() as s:
            for name in coders or ():
                coder_row(s, name)
            codings = self._coding_tuples(s, coders)
            if not codings:
                who = " and ".join(coders) if coders else "anyone"
                raise QualcodeError(f"no codings by {who} to learn from; code a few transcripts first")
            transcripts = sorted({t for _, t, _, _ in codings})
            rejected = [
                (sid, key)
                for sid, key in s.execute(
                    select(Suggestion.segment_id, Code.key)
                    .join(Code, Code.id == Suggestion.code_id)
                    .where(Suggestion.status == "rejected")
                )
            ]
            rejected_transcripts = (
                {
                    t
                    for (t,) in s.execute(
                        select(Segment.transcript_id).where(Segment.id.in_([r[0] for r in rejected])).distinct()
                    )
                }
                if rejected
                else set()
            )
            segments = self._segments_data(s, sorted(set(transcripts) | rejected_transcripts))
            version = s.scalar(text("SELECT version FROM codebooks LIMIT 1"))
            themes = self._themes(s)
            return {
                "segments": segments,
                "codings": codings,
                "rejected": rejected,
                "coders": coders,
                "codes": self._codes_data(s),
                "architecture": architecture,
                "epochs": epochs,
                "seed": seed,
                "lemma_model": lemma_model,
                "use_definitions": use_definitions,
                "codebook_version": version,
                "themes": themes,
            }

    def _themes(self, s: Session) -> dict[str, str]:
        """Each code's theme: its top-level ancestor (see ``qualcode.suggest.themes``)."""
        from qualcode.suggest.themes import top_level

        parent = aliased(Code)
        rows = s.execute(select(Code.key, parent.key).outerjoin(parent, parent.id == Code.parent_id)).all()
        return top_level({k: p for k, p in rows})

    def learns_across_coders(self) -> bool:
        """The project setting ``suggest.learn_across_coders``: may a coder's suggestions for a
        transcript learn from other coders' codings of it? No unless it is "yes" (blind coding)."""
        return (self._settings.setting(LEARN_ACROSS_CODERS) or "").strip().lower() in ("yes", "true", "1", "on")

    def _blind_training(self, s: Session, for_coder: str, ids: list[int] | None) -> dict[str, Any] | None:
        """A training payload without other coders' codings and rejections of the transcripts
        ``for_coder`` is being suggested for, when the active model may have learned from them;
        None when it cannot have (or there is no active model)."""
        row = s.scalars(select(NlpModel).where(NlpModel.active.is_(True))).first()
        if row is None or set((row.trained_on or {}).get("coders") or []) <= {for_coder}:
            return None
        codings = self._coding_tuples(s, None)
        targets = set(ids) if ids is not None else {t for _, t, _, _ in codings}
        others = {t for c, t, _, _ in codings if c != for_coder and t in targets}
        if not others:
            return None
        return {"exclude_transcripts": sorted(others), "for_coder": for_coder}

    def _coding_tuples(self, s: Session, coders: list[str] | None) -> list[tuple[str, int, int, str]]:
        q = covered(  # a passage over several turns labels each turn it touches
            Coder.name,
            Coding.transcript_id,
            Segment.id,
            Code.key,
            joins=((Coder, Coder.id == Coding.coder_id), (Code, Code.id == Coding.code_id)),
            where=(Coder.name.in_(coders),) if coders else (),
        )
        return [(a, b, c, d) for a, b, c, d in s.execute(q)]

    def suggestion_payload(
        self,
        transcripts: Iterable[str] | None = None,
        coders: Iterable[str] | None = None,
        use_model: bool = True,
        top: int = 3,
        min_score: float = 0.3,
        use_definitions: bool = False,
        keywords: bool = True,
        for_coder: str | None = None,
    ) -> tuple[dict[str, Any], list[int]]:
        """Input for ``qualcode.suggest.engine.suggest_payload`` and the segments it covers.

        ``coders`` (default: everyone) are whose codings calibrate keyword scores; (segment, code)
        pairs that already have a decided suggestion, or that those coders already applied, are
        not proposed again. ``for_coder``: who the suggestions are for. Blind coding: unless the
        project setting ``suggest.learn_across_coders`` is "yes", nothing learned for them comes
        from another coder's codings or rejections of these transcripts; when the active model
        learned from such codings, the payload carries a training payload without them
        ("train"), and the suggester trains on it first.
        """
        # suggest.model loads numpy: imported here so that opening a project stays fast.
        from qualcode.suggest.keywords import CodeKeywords, KeywordMatcher
        from qualcode.suggest.model import SegmentText, fit_keyword_calibrator, training_examples, unpack_model

        ids = self.transcript_ids(transcripts)
        coders = list(coders) if coders else None
        across = self.learns_across_coders()  # before the read: sessions must never nest
        with self._store.read() as s:
            segments = self._segments_data(s, ids)
            codes = self._codes_data(s)
            decided = [
                (sid, key)
                for sid, key in s.execute(
                    select(Suggestion.segment_id, Code.key)
                    .join(Code, Code.id == Suggestion.code_id)
                    .where(Suggestion.status != "open")
                )
            ]
            model: dict[str, Any] | None = None
            if use_model:
                row = s.scalars(select(NlpModel).where(NlpModel.active.is_(True))).first()
                if row is not None:
                    data, meta = unpack_model(row.data)
                    model = {"data": data, "meta": meta, "version": row.version}
            codings = self._coding_tuples(s, coders)
            blind = None
            if for_coder is not None and not across:
                coder_row(s, for_coder)
                blind = self._blind_training(s, for_coder, ids)
                hidden = {t for c, t, _, _ in codings if c != for_coder and (ids is None or t in set(ids))}
                codings = [x for x in codings if x[0] == for_coder or x[1] not in hidden]
            mine = [x for x in codings if for_coder is None or x[0] == for_coder]
            decided += [(sid, key) for _, _, sid, key in mine]
        train = None
        if blind is not None and use_model and for_coder is not None:
            trained_meta: dict[str, Any] = model["meta"] if model else {}
            train = self.training_payload(None, architecture=trained_meta.get("architecture") or "linear")
            hidden_t = set(blind["exclude_transcripts"])
            train["codings"] = [x for x in train["codings"] if x[0] == for_coder or x[1] not in hidden_t]
            train["rejected"] = self._rejected_by(for_coder, hidden_t, train["rejected"])
            train["coders"] = None
        calibrator = None
        if keywords and model is not None and train is None and "keyword_calibrator" in model["meta"]:
            calibrator = model["meta"]["keyword_calibrator"]  # fitted when the model was trained
        elif keywords and codings:
            all_segments = self._all_segments_for(codings)
            examples = training_examples(
                [SegmentText(*x) for x in all_segments], codings, coders, [], [c[0] for c in codes]
            )
            matcher = KeywordMatcher(
                [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in codes],
                use_definitions=use_definitions,
                model=self._settings.lemma_model(),
            )
            fitted = fit_keyword_calibrator(examples, matcher)
            calibrator = fitted.to_dict() if fitted else None
        payload = {
            "segments": segments,
            "codes": codes,
            "model": model,
            "keyword_calibrator": calibrator,
            "top": top,
            "min_score": min_score,
            "skip": decided,
            "use_definitions": use_definitions,
            "lemma_model": self._settings.lemma_model(),
            "keywords": keywords,
            "train": train,
        }
        return payload, [x[0] for x in segments]

    def _rejected_by(self, coder: str, hidden: set[int], rejected: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """``rejected`` (segment, code) without the rejections other coders made in ``hidden`` transcripts."""
        with self._store.read() as s:
            others = {
                (sid, key)
                for sid, key in s.execute(
                    select(Suggestion.segment_id, Code.key)
                    .join(Code, Code.id == Suggestion.code_id)
                    .join(Segment, Segment.id == Suggestion.segment_id)
                    .outerjoin(Coder, Coder.id == Suggestion.decided_by)
                    .where(
                        Suggestion.status == "rejected",
                        Segment.transcript_id.in_(sorted(hidden)),
                        func.coalesce(Coder.name, "") != coder,
                    )
                )
            }
        return [r for r in rejected if tuple(r) not in others]

    def _all_segments_for(self, codings: list[CodingRow]) -> list[SegmentRow]:
        with self._store.read() as s:
            return self._segments_data(s, sorted({t for _, t, _, _ in codings}))

    # ------------------------------------------------------------------ models

    def store_model(self, result: dict[str, Any], activate: bool = True) -> ModelInfo:
        """Store a trained model (from ``train_payload``) as the next version; make it active."""
        from qualcode.suggest.model import pack_model  # numpy: only when a model is stored

        blob = pack_model(result["data"], result["meta"])
        with self._store.tx() as s:
            n = (s.scalar(select(func.count()).select_from(NlpModel)) or 0) + 1
            version = f"v{n}"
            while s.scalar(select(NlpModel.id).where(NlpModel.version == version)):
                n += 1
                version = f"v{n}"
            if activate:
                s.execute(update(NlpModel).values(active=False))
            row = NlpModel(
                version=version,
                kind=result.get("kind", "textcat_multilabel"),
                trained_on=result.get("trained_on", {}),
                metrics=result.get("metrics", {}),
                data=blob,
                active=activate,
                created_at=utcnow(),
            )
            s.add(row)
            s.flush()
            log_event(
                s,
                None,
                "model.train",
                {
                    "version": version,
                    "labels": len(result["meta"]["labels"]),
                    "examples": result.get("trained_on", {}).get("examples"),
                    "active": activate,
                },
            )
            return _model_info(row)

    def models(self) -> list[ModelInfo]:
        with self._store.read() as s:
            return [_model_info(r) for r in s.scalars(select(NlpModel).order_by(NlpModel.id))]

    def activate_model(self, version: str) -> ModelInfo:
        with self._store.tx() as s:
            row = s.scalars(select(NlpModel).where(NlpModel.version == version)).first()
            if row is None:
                known = ", ".join(s.scalars(select(NlpModel.version).order_by(NlpModel.id))) or "none yet"
                raise QualcodeError(f"no model {version!r} (models: {known})")
            s.execute(update(NlpModel).values(active=False))
            row.active = True
            log_event(s, None, "model.activate", {"version": version})
            return _model_info(row)

    def active_model(self) -> tuple[ModelInfo, bytes, dict[str, Any]] | None:
        """The active model's record, pipeline bytes and metadata (labels, calibration), or None."""
        from qualcode.suggest.model import unpack_model  # numpy: only when a model is read

        with self._store.read() as s:
            row = s.scalars(select(NlpModel).where(NlpModel.active.is_(True))).first()
            if row is None:
                return None
            data, meta = unpack_model(row.data)
            return _model_info(row), data, meta

    def model_status(self, coders: Iterable[str] | None = None) -> ModelStatus:
        """Whether the active model should be retrained: none yet, other coders, a changed
        codebook, or enough new codings since it was trained."""
        coders = sorted(coders) if coders else None
        with self._store.read() as s:
            row = s.scalars(select(NlpModel).where(NlpModel.active.is_(True))).first()
            now = len(self._coding_tuples(s, coders))
            if row is None:
                return ModelStatus(None, True, "no model trained yet", now)
            on = row.trained_on or {}
            before = int(on.get("codings") or 0)
            new = max(0, now - before)
            wanted = coders or sorted(
                {c for (c,) in s.execute(select(Coder.name).join(Coding, Coding.coder_id == Coder.id).distinct())}
            )
            if sorted(on.get("coders") or []) != wanted:
                return ModelStatus(row.version, True, f"{row.version} was trained on other coders' codings", new)
            if new >= max(RETRAIN_MIN_NEW, RETRAIN_FRACTION * before):
                return ModelStatus(row.version, True, f"{new} new codings since {row.version} was trained", new)
            version = s.scalar(text("SELECT version FROM codebooks LIMIT 1"))
            if on.get("codebook_version") not in (None, version):
                return ModelStatus(row.version, True, f"the codebook changed since {row.version} was trained", new)
            return ModelStatus(row.version, False, f"{row.version} is up to date ({new} new codings)", new)

    # ------------------------------------------------------------------ suggestions

    def store_suggestions(self, proposals: Iterable[Proposal | dict[str, Any]], segment_ids: Iterable[int]) -> int:
        """Replace the open suggestions of ``segment_ids`` with ``proposals`` (``Proposal`` or dicts)."""
        with paused_gc():  # a row (a dict) for each of tens of thousands of suggestions, all kept
            return self._store_suggestions(proposals, segment_ids)

    def _store_suggestions(self, proposals: Iterable[Proposal | dict[str, Any]], segment_ids: Iterable[int]) -> int:
        ids = list(segment_ids)
        rows = [p if isinstance(p, dict) else p.__dict__ for p in proposals]
        with self._store.tx() as s:
            codes = dict(s.execute(select(Code.key, Code.id)).all())
            for i in range(0, len(ids), 500):
                s.execute(
                    delete(Suggestion).where(Suggestion.status == "open", Suggestion.segment_id.in_(ids[i : i + 500]))
                )
            decided = set(
                s.execute(select(Suggestion.segment_id, Suggestion.code_id).where(Suggestion.status != "open")).all()
            )
            batch, now, versions = [], utcnow(), set()
            encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False) makes one a row
            for p in rows:
                code_id = codes.get(p["code"])
                if code_id is None or (p["segment_id"], code_id) in decided:
                    continue
                batch.append(
                    {
                        "segment_id": p["segment_id"],
                        "code_id": code_id,
                        "source": p["source"],
                        "score": p["score"],
                        "reason": encode(p["reason"]),
                        "model_version": p.get("model_version"),
                        "status": "open",
                        "created_at": now,
                    }
                )
                if p.get("model_version"):
                    versions.add(p["model_version"])
            if batch:
                s.execute(insert(SUGGESTIONS_TABLE), batch)
            log_event(
                s,
                None,
                "suggestions.fill",
                {"segments": len(ids), "suggestions": len(batch), "models": sorted(versions)},
            )
            return len(batch)

    def learn_from_decision(self, suggestion_id: int) -> str | None:
        """Move the active model towards an accepted or rejected suggestion at once, without a
        full retrain (``qualcode.suggest.model.learn_payload``): event "model.learn". Returns the
        model's version, or None when there was nothing to learn (no linear model, a code it does
        not model, a suggestion still open). The next training starts again from every coding."""
        from qualcode.suggest.model import learn_payload, pack_model, unpack_model

        lemma_model = self._settings.lemma_model()  # before the transaction: sessions must never nest
        with self._store.tx() as s:
            sug = s.get(Suggestion, suggestion_id)
            row = s.scalars(select(NlpModel).where(NlpModel.active.is_(True))).first()
            if sug is None or sug.status == "open" or row is None:
                return None
            code = row_by_id(s, Code, sug.code_id, "code")
            seg = row_by_id(s, Segment, sug.segment_id, "segment")
            body = s.scalar(select(Transcript.text).where(Transcript.id == seg.transcript_id)) or ""
            data, meta = unpack_model(row.data)
            learned = learn_payload(
                {
                    "data": data,
                    "meta": meta,
                    "text": body[seg.start : seg.end],
                    "code": code.key,
                    "accepted": sug.status == "accepted",
                    "lemma_model": lemma_model,
                }
            )
            if learned is None:
                return None
            row.data = pack_model(learned, meta)
            on = dict(row.trained_on or {})
            on["learned"] = int(on.get("learned") or 0) + 1
            row.trained_on = on
            log_event(  # no coder: not a step of anyone's undo history (undoing the decision leaves it)
                s,
                None,
                "model.learn",
                {"version": row.version, "suggestion": sug.id, "code": code.key, "status": sug.status},
            )
            return row.version

    def suggestions(
        self,
        segment_id: int | None = None,
        transcript_id: int | None = None,
        status: str | None = "open",
        coder: str | None = None,
        limit: int | None = None,
        min_score: float = 0.0,
    ) -> list[SuggestionInfo]:
        """Suggestions, best first per segment; with ``coder``, not the codes that coder already
        applied to the segment."""

        with self._store.read() as s:
            colors = {c.key: c.color for c in code_infos(s)}
            q = (
                select(Suggestion, Code.key, Code.name, Segment.transcript_id, Segment.start)
                .join(Code, Code.id == Suggestion.code_id)
                .join(Segment, Segment.id == Suggestion.segment_id)
                .where(Suggestion.score >= min_score)
                .order_by(Segment.transcript_id, Segment.position, Suggestion.score.desc(), Code.key)
            )
            if segment_id is not None:
                q = q.where(Suggestion.segment_id == segment_id)
            if transcript_id is not None:
                q = q.where(Segment.transcript_id == transcript_id)
            if status is not None:
                q = q.where(Suggestion.status == status)
            mine: set[tuple[int, int]] = set()
            if coder is not None:
                coder_id = coder_row(s, coder)[0]
                where = [Coding.coder_id == coder_id]  # every turn a coding runs over is coded with its code
                if segment_id is not None:
                    where.append(Segment.id == segment_id)
                elif transcript_id is not None:
                    where.append(Coding.transcript_id == transcript_id)
                mine = {(a, b) for a, b in s.execute(covered(Segment.id, Coding.code_id, where=where))}
            out = []
            for sug, key, name, tid, _ in s.execute(q):
                if (sug.segment_id, sug.code_id) in mine:
                    continue
                out.append(_suggestion_info(sug, key, name, tid, colors.get(key)))
                if limit is not None and len(out) >= limit:
                    break
            return out

    def suggestion_counts(self) -> dict[str, int]:
        with self._store.read() as s:
            return dict(s.execute(select(Suggestion.status, func.count()).group_by(Suggestion.status)).all())

    def accept_suggestion(self, suggestion_id: int, coder: str) -> CodingInfo:
        """Code the suggestion's segment with its code as ``coder`` (origin "suggestion"): one event."""

        with self._store.tx() as s:
            coder_id, coder_name = coder_row(s, coder)
            sug = _open_suggestion(s, suggestion_id)
            code = row_by_id(s, Code, sug.code_id, "code")
            seg = row_by_id(s, Segment, sug.segment_id, "segment")
            existing = coding_at(s, coder_id, code.id, seg.id, seg.start, seg.end)
            sug.status, sug.decided_by = "accepted", coder_id
            marker = {"id": sug.id, "before": "open", "after": "accepted"}
            if existing is not None:
                log_event(s, coder_id, "suggestion.accept", {"suggestion": marker, "coding_id": existing.id})
                return coding_info(existing, code, coder_name, color_of(s, code))
            coding = add_coding_row(s, coder_id, code.id, seg.transcript_id, seg.id, seg.start, seg.end, "suggestion")
            log_event(s, coder_id, "coding.add", {"coding": coding_dict(coding), "suggestion": marker})
            return coding_info(coding, code, coder_name, color_of(s, code))

    def reject_suggestion(self, suggestion_id: int, coder: str) -> SuggestionInfo:
        """Mark a suggestion rejected by ``coder`` (negative evidence for the next model): one event."""

        with self._store.tx() as s:
            coder_id, _ = coder_row(s, coder)
            sug = _open_suggestion(s, suggestion_id)
            sug.status, sug.decided_by = "rejected", coder_id
            log_event(
                s, coder_id, "suggestion.reject", {"suggestion": {"id": sug.id, "before": "open", "after": "rejected"}}
            )
            code = row_by_id(s, Code, sug.code_id, "code")
            tid = row_by_id(s, Segment, sug.segment_id, "segment").transcript_id
            return _suggestion_info(sug, code.key, code.name, tid, code.color)

    # ------------------------------------------------------------------ anonymisation

    def anonymise_words(self) -> list[tuple[str, str]]:
        """The project's word list of names to anonymise: (name, kind)."""
        value = self._settings.setting(ANONYMISE_WORDS)
        try:
            return [(w["text"], w.get("kind", "person")) for w in json.loads(value)] if value else []
        except (ValueError, TypeError, KeyError):
            return []

    def add_anonymise_words(self, words: Iterable[tuple[str, str]]) -> int:
        """Add names to the word list (one event); returns how many were new."""
        current = self.anonymise_words()
        seen = {w.casefold() for w, _ in current}
        new = []
        for w, k in words:
            if w and w.casefold() not in seen:
                seen.add(w.casefold())
                new.append((w, k))
        if new:
            with self._store.tx() as s:
                value = json.dumps([{"text": w, "kind": k} for w, k in current + new], ensure_ascii=False)
                row = s.get(ProjectInfo, ANONYMISE_WORDS)
                if row is None:
                    s.add(ProjectInfo(key=ANONYMISE_WORDS, value=value))
                else:
                    row.value = value
                log_event(s, None, "anonymise.words", {"added": len(new)})  # never the names themselves
        return len(new)

    def anonymise_inputs(self, transcripts: Iterable[str] | None = None) -> dict[str, Any]:
        """Plain data for finding names: texts, participants' front matter, the word list."""
        ids = self.transcript_ids(transcripts)
        with self._store.read() as s:
            q = select(Transcript.id, Transcript.name, Transcript.text).order_by(Transcript.name)
            if ids is not None:
                q = q.where(Transcript.id.in_(ids))
            rows = s.execute(q).all()
            people = [
                ParticipantNames(p.label, dict(p.attributes or {}), dict(p.identifying or {}))
                for p in s.scalars(select(Participant).order_by(Participant.label))
            ]
        return {
            "ids": [r[0] for r in rows],
            "names": [r[1] for r in rows],
            "texts": [r[2] for r in rows],
            "participants": people,
            "words": self.anonymise_words(),
        }

    def find_names(
        self, transcripts: Iterable[str] | None = None, ner: bool = True, entities: anon.Entities | None = None
    ) -> anon.FoundNames:
        """Names to replace and their proposed pseudonyms (``FoundNames``); changes nothing.

        ``entities`` (from ``anonymise.find_entities_payload``, perhaps computed in another
        process) saves running the named-entity recogniser here.
        """
        data = self.anonymise_inputs(transcripts)
        notes = []
        if entities is None:
            entities = []
            if ner:
                try:
                    entities = anon.find_entities_payload(
                        {"texts": data["texts"], "model": self._settings.lemma_model()}
                    )
                except nlp.NoTrainedPipeline as exc:
                    notes.append(f"{exc}; only names from front matter and the word list are used")
        known = anon.known_names(data["participants"], data["words"])
        found = anon.propose_mapping(known, entities, data["texts"])
        found.notes = notes + found.notes
        return found

    def anonymise(self, mapping: list[anon.MappingRow], transcripts: Iterable[str] | None = None) -> AnonymiseResult:
        """Rewrite transcripts with ``mapping`` (``MappingRow``s) in one transaction and one event:
        the text, every segment's and coding's offsets (moved exactly), speakers, and the search
        index. The event records counts only, never a real name."""
        ids = self.transcript_ids(transcripts)
        pattern = anon.name_pattern(mapping)
        result = AnonymiseResult()
        if pattern is None:
            return result
        big = 1_000_000_000
        with self._store.tx() as s:
            if self._store.backend == "sqlite":
                s.execute(text("PRAGMA secure_delete = ON"))  # freed pages holding the old text are zeroed
            q = select(Transcript).order_by(Transcript.id)
            if ids is not None:
                q = q.where(Transcript.id.in_(ids))
            for t in s.scalars(q):
                segments = list(
                    s.scalars(select(Segment).where(Segment.transcript_id == t.id).order_by(Segment.position))
                )
                spans = anon.find_spans(t.text, mapping, pattern)
                spans, crossing = anon.spans_within(spans, [(g.start, g.end) for g in segments])
                if crossing:
                    result.notes.append(
                        f"{t.name}: {len(crossing)} name(s) run across a segment boundary and were left"
                    )
                renamed = [g for g in segments if g.speaker and pattern.search(g.speaker)]
                if not spans and not renamed:
                    continue
                new_text, moves = anon.rewrite(t.text, spans)
                unindex_segments(s, t.id)  # while the index can still read the words it holds
                t.text = new_text
                for g in segments:
                    g.start, g.end = moves.start(g.start), moves.end(g.end)
                    if g.speaker:
                        g.speaker = pattern.sub(
                            lambda m: anon.find_spans(m.group(0), mapping, pattern)[0][2], g.speaker
                        )
                codings = s.execute(
                    select(Coding.id, Coding.start, Coding.end).where(Coding.transcript_id == t.id)
                ).all()
                # Two steps, so that no coding ever collides with another's old offsets on the way.
                s.execute(
                    update(Coding)
                    .where(Coding.transcript_id == t.id)
                    .values(start=Coding.start + big, end=Coding.end + big)
                    .execution_options(synchronize_session=False)
                )
                if codings:
                    s.execute(
                        update(CODINGS_TABLE).where(CODINGS_TABLE.c.id == bindparam_id()),
                        [
                            {"cid": cid, "start_offset": moves.start(a), "end_offset": moves.end(b)}
                            for cid, a, b in codings
                        ],
                    )
                s.flush()
                s.execute(
                    delete(Suggestion).where(
                        Suggestion.status == "open", Suggestion.segment_id.in_([g.id for g in segments])
                    )
                )
                index_segments(s, t.id)
                result.transcripts += 1
                result.replacements += len(spans)
                result.segments += len(segments)
                result.codings += len(codings)
            if result.transcripts and self._store.backend == "sqlite":
                s.execute(text("INSERT INTO segment_fts(segment_fts) VALUES('optimize')"))
            memos = sum(1 for (body,) in s.execute(select(Memo.text)) if pattern.search(body or ""))
            if memos:
                result.notes.append(f"{memos} memo(s) mention a real name; memos are not rewritten: edit them yourself")
            log_event(
                s,
                None,
                "transcripts.anonymise",
                {"transcripts": result.transcripts, "replacements": result.replacements, "names": len(mapping)},
            )
        return result


@dataclass
class AnonymiseResult:
    transcripts: int = 0
    replacements: int = 0
    segments: int = 0
    codings: int = 0
    notes: list[str] = field(default_factory=list)


def bindparam_id() -> BindParameter[int]:
    return bindparam("cid")


# ---------------------------------------------------------------------- helpers (also used by undo in project.codings)


def _open_suggestion(s: Session, suggestion_id: int) -> Suggestion:
    sug = s.get(Suggestion, suggestion_id)
    if sug is None:
        raise QualcodeError(
            f"no suggestion with id {suggestion_id}; it may have been replaced by a newer `qualcode suggest`"
        )
    if sug.status != "open":
        raise QualcodeError(f"suggestion {suggestion_id} is already {sug.status}")
    return sug


def undo_suggestion_event(s: Session, payload: dict[str, Any], redo: bool = False) -> None:
    """Put a suggestion back as it was before (undo) or after (redo) an accept or reject."""
    marker = (payload or {}).get("suggestion")
    if not marker:
        return
    sug = s.get(Suggestion, marker["id"])
    if sug is None:
        return  # replaced since by a newer run of the suggester: nothing to restore
    sug.status = marker["after"] if redo else marker["before"]
    if sug.status == "open":
        sug.decided_by = None


def _suggestion_info(sug: Suggestion, key: str, name: str, transcript_id: int, color: str | None) -> SuggestionInfo:
    try:
        reason = json.loads(sug.reason or "{}")
        if not isinstance(reason, dict):
            reason = {"summary": str(reason)}
    except ValueError:
        reason = {"summary": sug.reason}
    words = tuple(tuple(w) for w in reason.get("words") or ())
    return SuggestionInfo(
        sug.id,
        sug.segment_id,
        transcript_id,
        key,
        name,
        sug.source,
        float(sug.score),
        str(reason.get("summary") or ""),
        words,
        reason.get("model"),
        float(reason.get("keywords") or 0.0),
        sug.model_version,
        sug.status,
        color,
    )


def _model_info(row: NlpModel) -> ModelInfo:
    return ModelInfo(
        row.id,
        row.version,
        row.kind,
        bool(row.active),
        row.created_at,
        dict(row.trained_on or {}),
        dict(row.metrics or {}),
        len(row.data or b""),
    )


events.register(
    SUGGESTION_EVENTS,
    undo=lambda c: undo_suggestion_event(c.s, c.payload),
    redo=lambda c: undo_suggestion_event(c.s, c.payload, redo=True),
    fields=lambda p: {"suggestion_id": (p.get("suggestion") or {}).get("id")},
)
events.register(
    ("model.train", "model.learn", "model.activate", "suggestions.fill", "anonymise.words", "transcripts.anonymise")
)
