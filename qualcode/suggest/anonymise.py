"""Anonymisation: finding names, proposing pseudonyms, rewriting text with exact offset moves.

Three sources of names: each participant's ``identifying`` front matter (name, school, town,
others), the project's word list, and (when a trained spaCy pipeline is installed) its named
entities (PERSON, ORG, GPE, LOC, FAC). Each real name gets one pseudonym across the project: a
participant by role ("[Headteacher 1]"), a school by letter ("[School C]", the letter the
participant's attributes already use when they say "School C"), a town by number ("[Town 2]"),
anyone else "[Person 3]", organisations "[Organisation 1]". A person's first name and surname
alone map to the same pseudonym as the full name, unless two people share them.

``rewrite`` replaces spans and returns an ``OffsetMap`` that moves any old offset to the new
text: a start inside a replaced name moves to the start of its pseudonym, an end inside one to
its end, so every coding still covers the same words. Plain Python on plain data.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.cells import SafeWriter, unescape_cell
from qualcode.errors import InputError
from qualcode.files import save_atomic

KINDS = ("person", "school", "place", "organisation")
ENTITY_KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}
SCHOOL_WORDS = re.compile(
    r"\b(school|academy|college|primary|secondary|grammar|infants?|juniors?|high|gymnasium|"
    r"grundschule|realschule|gesamtschule|schule)\b",
    re.I,
)
# Entities that are not identifying in these interviews (countries, roles, the network itself).
NOT_NAMES = frozenset(
    s.casefold()
    for s in (
        "England",
        "Britain",
        "Great Britain",
        "UK",
        "the UK",
        "United Kingdom",
        "Scotland",
        "Wales",
        "Ireland",
        "Europe",
        "Germany",
        "Deutschland",
        "English",
        "German",
        "British",
        "European",
        "London",
        "Ofsted",
        "DfE",
        "RLN",
        "RLNs",
        "Pess",
        "SLT",
        "CPD",
        "SENCO",
        "SENCo",
        "KS1",
        "KS2",
        "KS3",
        "KS4",
        "Key Stage",
        "Year",
        "Interviewer",
        "Headteacher",
        "Head",
        "Deputy",
        "Teacher",
        "Covid",
        "COVID",
        "Christmas",
        "Easter",
        "EEF",
        "INSET",
        "Schulleitung",
        "Schulleiter",
        "Schulleiterin",
        "Lehrer",
        "Lehrerin",
        "Reception",
        "Nursery",
        "Year",
    )
)
ORG_WORDS = re.compile(
    r"\b(trust|alliance|partnership|network|council|authority|university|institute|foundation|"
    r"federation|hub|association|group|ltd|verbund|netzwerk|stiftung|institut|universität|amt|"
    r"ministerium|behörde|landesinstitut)\b",
    re.I,
)
# Generic words that end the distinctive part of a school's or organisation's name.
GENERIC = frozenset(
    [
        "school",
        "schools",
        "academy",
        "college",
        "primary",
        "secondary",
        "grammar",
        "infant",
        "infants",
        "junior",
        "juniors",
        "high",
        "community",
        "ce",
        "c.e.",
        "rc",
        "church",
        "research",
        "teaching",
        "learning",
        "trust",
        "alliance",
        "partnership",
        "network",
        "grundschule",
        "realschule",
        "gesamtschule",
        "gymnasium",
        "sekundarschule",
        "schule",
        "an",
        "der",
        "am",
        "im",
    ]
)
# Titles are never a name on their own ("Frau" would otherwise become one person's pseudonym).
TITLES = frozenset(
    [
        "mr",
        "mr.",
        "mrs",
        "mrs.",
        "ms",
        "ms.",
        "miss",
        "dr",
        "dr.",
        "prof",
        "prof.",
        "sir",
        "dame",
        "herr",
        "frau",
        "fr.",
        "hr.",
        "st",
        "st.",
        "saint",
    ]
)
_LABEL = {"person": "Person", "school": "School", "place": "Town", "organisation": "Organisation"}


Entities = list[list[tuple[int, int, str, str]]]
"""Per text, the (start, end, text, label) of each named entity found in it."""


@dataclass(frozen=True)
class KnownName:
    text: str
    kind: str  # person | school | place | organisation
    source: str  # "front matter" | "word list"
    pseudonym: str | None = None  # when the source already says (a participant's role, a school's letter)


@dataclass
class MappingRow:
    real: str
    pseudonym: str
    kind: str
    sources: tuple[str, ...] = ()
    count: int = 0


@dataclass(frozen=True)
class ParticipantNames:
    """What a participant's front matter says about them (``identifying``) and their attributes."""

    label: str
    attributes: dict[str, Any]
    identifying: dict[str, Any]


@dataclass
class FoundNames:
    mapping: list[MappingRow]
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- known names


def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def known_names(participants: list[ParticipantNames], words: Sequence[tuple[str, str]] = ()) -> list[KnownName]:
    """Names from front matter (with the pseudonyms the attributes imply) and the word list."""
    out: list[KnownName] = []
    later: list[KnownName] = []  # others: after every participant, so a participant's own pseudonym wins
    roles: dict[str, int] = defaultdict(int)
    for p in sorted(participants, key=lambda p: p.label):
        ident = p.identifying or {}
        role = str(p.attributes.get("role") or (p.label.split()[0] if p.label else "") or "Participant").strip()
        if ident.get("name"):
            roles[role] += 1
            out.append(KnownName(str(ident["name"]).strip(), "person", "front matter", f"[{role} {roles[role]}]"))
        if ident.get("school"):
            attr = str(p.attributes.get("school") or "")
            pseudo = f"[{attr}]" if re.fullmatch(r"School [A-Z]{1,2}\d*", attr) else None
            out.append(KnownName(str(ident["school"]).strip(), "school", "front matter", pseudo))
        for key in ("town", "city", "place", "village"):
            if ident.get(key):
                out.append(KnownName(str(ident[key]).strip(), "place", "front matter"))
        for key in ("organisation", "organization", "trust", "authority"):
            if ident.get(key):
                out.append(KnownName(str(ident[key]).strip(), "organisation", "front matter"))
        others = ident.get("others") or ()
        if isinstance(others, (str, dict)):
            others = [others]
        for other in others:
            if isinstance(other, dict):
                name = other.get("name") or other.get("text")
                kind = str(other.get("kind") or "person").lower()
                if name:
                    later.append(
                        KnownName(
                            str(name).strip(),
                            kind if kind in KINDS else "person",
                            "front matter",
                            f"[{other['role']}]" if other.get("role") else None,
                        )
                    )
            elif other:
                name = str(other).strip()
                later.append(KnownName(name, guess_kind(name), "front matter"))
    out += later
    for text, kind in words:
        out.append(KnownName(text.strip(), kind if kind in KINDS else "person", "word list"))
    return [k for k in out if k.text]


def guess_kind(name: str) -> str:
    if ORG_WORDS.search(name):
        return "organisation"
    if SCHOOL_WORDS.search(name):
        return "school"
    return "person"


def short_name(name: str) -> str | None:
    """The distinctive leading words of a school's or organisation's name: "Kingsmead High School" -> "Kingsmead"."""
    words = name.split()
    keep = []
    for w in words:
        if w.casefold().strip(".,") in GENERIC:
            break
        keep.append(w)
    if not keep or len(keep) == len(words) or not any(w[0].isupper() and _norm(w) not in TITLES for w in keep):
        return None
    short = " ".join(keep)
    return short if len(short) >= 4 else None


def without_title(name: str) -> str | None:
    words = name.split()
    i = 0
    while i < len(words) - 1 and _norm(words[i]) in TITLES:
        i += 1
    return " ".join(words[i:]) if i else None


def entity_kind(text: str, label: str) -> str | None:
    kind = ENTITY_KINDS.get(label)
    if kind is None:
        return None
    if kind in ("organisation", "place") and SCHOOL_WORDS.search(text):
        return "school"
    return kind


def _clean_entity(text: str) -> str:
    text = text.strip().strip(".,;:!?\"'“”‘’()[]")
    text = re.sub(r"[’']s$", "", text)
    return re.sub(r"^(?:the|The)\s+", "", text).strip()


def find_entities_payload(payload: dict[str, Any]) -> Entities:
    """Named entities of each text: (start, end, text, label). For a process pool.

    ``payload``: {"texts": [...], "model": name or None}. Raises NoTrainedPipeline.
    """
    from qualcode import nlp

    pipeline = nlp.entity_pipeline(payload.get("model"))
    texts = payload["texts"]
    # long transcripts in windows: spaCy refuses a text over 1,000,000 characters (E088)
    pieces = [(i, lo) for i, text in enumerate(texts) for lo, _ in nlp.windows(text, size=nlp.ENTITY_WINDOW)]
    bounds = [hi for text in texts for _, hi in nlp.windows(text, size=nlp.ENTITY_WINDOW)]
    out: list[list[tuple[int, int, str, str]]] = [[] for _ in texts]
    docs = pipeline.pipe((texts[i][lo:hi] for (i, lo), hi in zip(pieces, bounds)), batch_size=8)
    for (i, lo), doc in zip(pieces, docs):
        out[i].extend((lo + e.start_char, lo + e.end_char, e.text, e.label_) for e in doc.ents)
    return out


# ---------------------------------------------------------------------- proposing pseudonyms


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


def propose_mapping(
    known: list[KnownName],
    entities: Sequence[list[tuple[int, int, str, str]]] = (),
    texts: Sequence[str] = (),
    existing: Sequence[MappingRow] = (),
) -> FoundNames:
    """One pseudonym per real name, consistent across the project; name parts of people too."""
    rows: dict[str, MappingRow] = {}
    notes: list[str] = []
    used: set[str] = {r.pseudonym for r in existing}
    for r in existing:
        rows[_norm(r.real)] = r
    counters: dict[str, int] = defaultdict(int)
    school_letters = {
        m.group(1)
        for k in known
        if k.pseudonym
        for m in [re.fullmatch(r"\[School ([A-Z]{1,2})\d*\]", k.pseudonym)]
        if m
    }

    def next_pseudonym(kind: str) -> str:
        while True:
            if kind == "school":
                letter = _letters(counters["school"])
                counters["school"] += 1
                if letter in school_letters:
                    continue
                candidate = f"[School {letter}]"
            else:
                counters[kind] += 1
                candidate = f"[{_LABEL[kind]} {counters[kind]}]"
            if candidate not in used:
                used.add(candidate)
                return candidate

    def add(text: str, kind: str, source: str, pseudonym: str | None = None) -> MappingRow | None:
        key = _norm(text)
        if not key or key in NOT_NAMES:
            return None
        row = rows.get(key)
        if row is None:
            if (
                pseudonym is None
                or pseudonym in used
                and not any(r.pseudonym == pseudonym and r.kind == kind for r in rows.values())
            ):
                pseudonym = pseudonym if pseudonym and pseudonym not in used else next_pseudonym(kind)
            used.add(pseudonym)
            row = rows[key] = MappingRow(" ".join(text.split()), pseudonym, kind, (source,))
        elif source not in row.sources:
            row.sources = row.sources + (source,)
        return row

    def add_parts(people: list[MappingRow]) -> None:
        """First names and surnames alone, when they belong to one person only."""
        parts: dict[str, set[str]] = defaultdict(set)
        part_text: dict[str, str] = {}
        for row in people:
            words = row.real.split()
            if len(words) < 2:
                continue
            for w in words:
                w = w.strip(".,")
                if (
                    len(w) >= 2
                    and w[0].isupper()
                    and w.replace("-", "").isalpha()
                    and _norm(w) not in TITLES
                    and _norm(w) + "." not in TITLES
                ):
                    parts[_norm(w)].add(row.pseudonym)
                    part_text[_norm(w)] = w
        for key, pseudonyms in sorted(parts.items()):
            if key in rows or key in NOT_NAMES:
                continue
            if len(pseudonyms) > 1:
                notes.append(
                    f"'{part_text[key]}' alone is left as it is: it belongs to more than one person "
                    f"({', '.join(sorted(pseudonyms))}); add it to the mapping to choose"
                )
                continue
            rows[key] = MappingRow(part_text[key], next(iter(pseudonyms)), "person", ("name part",))

    # Known names first (their pseudonyms win): full names, then names without titles and the
    # short names of schools and organisations, then name parts; entities last.
    people: list[MappingRow] = []
    aliases: list[tuple[str, MappingRow]] = []
    for k in known:
        row = add(k.text, k.kind, k.source, k.pseudonym)
        if row is None:
            continue
        if k.kind == "person":
            people.append(row)
            bare = without_title(k.text)
            if bare:
                aliases.append((bare, row))
        else:
            short = short_name(k.text)
            if short:
                aliases.append((short, row))
    for alias, row in aliases:
        if _norm(alias) not in rows and _norm(alias) not in NOT_NAMES:
            rows[_norm(alias)] = MappingRow(alias, row.pseudonym, row.kind, ("short name",))
    add_parts(people)
    found_people: list[MappingRow] = []
    # A word the interviews also use in lower case ("time", "reception") is not a name.
    lower_words = {w for t in texts for w in re.findall(r"(?<![\w'’])[a-zäöüß][\w'’-]*", t)}
    for ents in entities:
        for _, _, text, label in ents:
            kind = entity_kind(text, label)
            clean = _clean_entity(text)
            if (
                kind is None
                or len(clean) < 2
                or not any(ch.isupper() for ch in clean)
                or any(ch.isdigit() for ch in clean)
            ):
                continue
            if _norm(clean) not in rows and all(
                w.casefold() in lower_words or _norm(w) in TITLES for w in clean.split()
            ):
                continue
            bare = without_title(clean) if kind == "person" else None
            if bare and _norm(bare) in rows and _norm(clean) not in rows:
                rows[_norm(clean)] = MappingRow(
                    clean, rows[_norm(bare)].pseudonym, rows[_norm(bare)].kind, ("entities",)
                )
                continue
            row = add(clean, kind, "entities")
            if row is not None and row.kind == "person" and row.sources == ("entities",):
                found_people.append(row)
    add_parts(found_people)
    mapping = sorted(rows.values(), key=lambda r: (KINDS.index(r.kind) if r.kind in KINDS else 9, r.pseudonym, r.real))
    if texts:
        count_occurrences(mapping, texts)
    return FoundNames(mapping, notes)


# ---------------------------------------------------------------------- finding and rewriting


def name_pattern(mapping: list[MappingRow]) -> re.Pattern[str] | None:
    """One regex for every real name, longest first, as whole words (case as written)."""
    names = sorted({r.real for r in mapping if r.real.strip()}, key=lambda s: (-len(s), s))
    if not names:
        return None
    alternatives = [r"\s+".join(re.sub("['’]", lambda _: "['’]", re.escape(w)) for w in name.split()) for name in names]
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])")


def find_spans(
    text: str, mapping: list[MappingRow], pattern: re.Pattern[str] | None = None
) -> list[tuple[int, int, str]]:
    """(start, end, pseudonym) of every real name in ``text``."""
    pattern = pattern or name_pattern(mapping)
    if pattern is None:
        return []
    lookup = {_norm(r.real): r.pseudonym for r in mapping}
    return [(m.start(), m.end(), lookup[_norm(m.group(0))]) for m in pattern.finditer(text)]


def count_occurrences(mapping: list[MappingRow], texts: Iterable[str]) -> None:
    pattern = name_pattern(mapping)
    counts: dict[str, int] = defaultdict(int)
    if pattern is not None:
        for text in texts:
            for m in pattern.finditer(text):
                counts[_norm(m.group(0))] += 1
    for r in mapping:
        r.count = counts.get(_norm(r.real), 0)


class OffsetMap:
    """Moves offsets of the old text to the new one after ``rewrite``."""

    def __init__(self, spans: list[tuple[int, int, str]]):
        self.starts = [a for a, _, _ in spans]
        self.spans = spans
        self.shift_after: list[int] = []  # cumulative length change after each span
        total = 0
        self.new_starts: list[int] = []
        for a, b, rep in spans:
            self.new_starts.append(a + total)
            total += len(rep) - (b - a)
            self.shift_after.append(total)

    def _index(self, pos: int) -> int:
        """Index of the last span starting before ``pos`` (or -1)."""
        return bisect.bisect_left(self.starts, pos) - 1

    def start(self, pos: int) -> int:
        """A start offset: inside a replaced name it moves to the start of the pseudonym."""
        i = bisect.bisect_right(self.starts, pos) - 1
        if i >= 0:
            a, b, rep = self.spans[i]
            if a <= pos < b:
                return self.new_starts[i]
            return pos + self.shift_after[i]
        return pos

    def end(self, pos: int) -> int:
        """An end offset: inside a replaced name it moves to the end of the pseudonym."""
        i = self._index(pos)
        if i >= 0:
            a, b, rep = self.spans[i]
            if a < pos < b:
                return self.new_starts[i] + len(rep)
            return pos + self.shift_after[i]
        return pos


def rewrite(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, OffsetMap]:
    """``text`` with each (start, end) replaced by its string; spans must not overlap."""
    spans = sorted(spans)
    out, last = [], 0
    for a, b, rep in spans:
        if a < last:
            raise ValueError("overlapping spans")
        out.append(text[last:a])
        out.append(rep)
        last = b
    out.append(text[last:])
    return "".join(out), OffsetMap(spans)


def spans_within(
    spans: list[tuple[int, int, str]], bounds: list[tuple[int, int]]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """Split spans into those inside one segment (or between segments) and those crossing a boundary."""
    edges = sorted({x for a, b in bounds for x in (a, b)})
    keep, crossing = [], []
    for a, b, rep in spans:
        i = bisect.bisect_right(edges, a)
        if i < len(edges) and edges[i] < b:
            crossing.append((a, b, rep))
        else:
            keep.append((a, b, rep))
    return keep, crossing


# ---------------------------------------------------------------------- files


MAPPING_HEAD = ["real", "pseudonym", "kind", "sources", "occurrences"]


def write_mapping(path: Path, mapping: list[MappingRow]) -> None:
    """The real → pseudonym table as CSV, for the researcher to review and keep apart."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = SafeWriter(fh)
            writer.writerow(MAPPING_HEAD)
            for r in mapping:
                writer.writerow([r.real, r.pseudonym, r.kind, "; ".join(r.sources), r.count])

    save_atomic(write, path)  # a full disk leaves the previous mapping, not half of it
    try:
        path.chmod(0o600)
    except OSError:
        pass


def read_mapping(path: Path) -> list[MappingRow]:
    where = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [[unescape_cell(cell) for cell in row] for row in csv.reader(fh)]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(where, f"cannot read the mapping: {exc}") from None
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["real", "pseudonym"]:
        raise InputError(where, "a mapping file starts with the header 'real,pseudonym,…'")
    out: list[MappingRow] = []
    seen: dict[str, str] = {}  # normalised real name -> its pseudonym
    for line, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise InputError(f"{where}:{line}", "each row needs a real name and a pseudonym")
        real, pseudo = " ".join(row[0].split()), row[1].strip()
        if _norm(real) in seen and seen[_norm(real)] != pseudo:
            raise InputError(f"{where}:{line}", f"{real!r} appears twice with different pseudonyms")
        if any(ch.isalpha() for ch in pseudo) and _norm(pseudo) == _norm(real):
            continue  # kept as it is
        seen[_norm(real)] = pseudo
        kind = row[2].strip() if len(row) > 2 and row[2].strip() in KINDS else "person"
        out.append(
            MappingRow(
                real, pseudo, kind, tuple(s.strip() for s in row[3].split(";")) if len(row) > 3 and row[3] else ()
            )
        )
    return out


def read_word_list(path: Path) -> list[tuple[str, str]]:
    """Lines 'name' or 'name,kind' (kind: person, school, place, organisation); # starts a comment."""
    where = str(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(where, f"cannot read the word list: {exc}") from None
    out = []
    for n, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, kind = line.partition(",")
        kind = kind.strip().lower() or "person"
        if kind not in KINDS:
            raise InputError(f"{where}:{n}", f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
        out.append((" ".join(name.split()), kind))
    return out
