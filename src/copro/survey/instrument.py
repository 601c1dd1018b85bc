"""The survey instrument as data: one versioned JSON file per version (``instruments/v1.json``)
holds every question, answer option, audience and wording, in plain and easy-read English.

The forms, the analysis and the exports all read it; answers are stored with the version they
answered, so a new version is one new file and old answers stay tied to theirs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from copro.errors import CoproError

AUDIENCES = ("families", "education", "forum")
QUESTION_TYPES = ("single", "multi", "number", "text")
CURRENT_VERSION = "1"


@dataclass(frozen=True)
class Option:
    """One answer option. ``score`` places it on a scale (1-5); ``missing`` marks "don't know" or
    "prefer not to say" (an answer, but left out of shares and scores); ``top`` marks the ladder's
    top two rungs; ``favours`` says which requester group a belief option names."""

    value: str
    label: str
    easy_read: str
    score: int | None = None
    missing: bool = False
    top: bool = False
    exclusive: bool = False
    favours: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    page: str
    type: str
    audiences: tuple[str, ...]
    wording: dict[str, str]  # audience -> text
    easy_read: str
    hint: str | None = None
    options: tuple[Option, ...] = ()
    measure: str | None = None  # 'ladder', 'partnership' or 'belief'
    show_if: tuple[str, tuple[str, ...]] | None = None  # (question id, values)
    minimum: int | None = None
    maximum: int | None = None
    not_more_than: str | None = None
    max_length: int | None = None
    free_text: bool = False

    def text(self, audience: str) -> str:
        """The question as this audience reads it."""
        return self.wording.get(audience) or next(iter(self.wording.values()))

    def option(self, value: str) -> Option:
        for o in self.options:
            if o.value == value:
                return o
        raise KeyError(value)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    @property
    def answered_values(self) -> tuple[str, ...]:
        """The options that count in shares and scores (not "don't know" or "prefer not to
        say")."""
        return tuple(o.value for o in self.options if not o.missing)


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    easy_read: str


@dataclass(frozen=True)
class Audience:
    id: str
    label: str
    description: str
    easy_read: str


@dataclass(frozen=True)
class Instrument:
    version: str
    title: str
    about: str
    audiences: dict[str, Audience]
    pages: tuple[Page, ...]
    questions: tuple[Question, ...]
    _by_id: dict[str, Question] = field(default_factory=dict, repr=False, compare=False)

    def question(self, question_id: str) -> Question:
        if not self._by_id:
            self._by_id.update({q.id: q for q in self.questions})
        return self._by_id[question_id]

    def questions_for(self, audience: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if audience in q.audiences)

    def pages_for(self, audience: str) -> tuple[tuple[Page, tuple[Question, ...]], ...]:
        """The pages this audience sees, in order, each with its questions."""
        asked = self.questions_for(audience)
        out = []
        for page in self.pages:
            qs = tuple(q for q in asked if q.page == page.id)
            if qs:
                out.append((page, qs))
        return tuple(out)

    def measure(self, name: str, audience: str | None = None) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.measure == name
                     and (audience is None or audience in q.audiences))


def available_versions() -> tuple[str, ...]:
    files = resources.files("copro.survey") / "instruments"
    return tuple(sorted(p.name[1:-5] for p in files.iterdir()
                        if p.name.startswith("v") and p.name.endswith(".json")))


@cache
def load_instrument(version: str = CURRENT_VERSION) -> Instrument:
    """The instrument of this version, checked (see :func:`parse_instrument`)."""
    path = resources.files("copro.survey") / "instruments" / f"v{version}.json"
    if not path.is_file():
        raise CoproError(f"no survey instrument version '{version}' (have: "
                         f"{', '.join(available_versions())})")
    return parse_instrument(json.loads(path.read_text(encoding="utf-8")), f"v{version}.json")


def parse_instrument(data: dict, name: str = "instrument") -> Instrument:
    """An :class:`Instrument` from its JSON form; a mistake in the file is a
    :class:`CoproError` naming the question and field."""

    def fail(where: str, message: str):
        raise CoproError(f"{name}: {where}: {message}")

    sets = data.get("option_sets", {})
    audiences = {k: Audience(k, v["label"], v["description"], v["easy_read"])
                 for k, v in data["audiences"].items()}
    if tuple(audiences) != AUDIENCES:
        fail("audiences", f"expected {', '.join(AUDIENCES)}")
    pages = tuple(Page(p["id"], p["title"], p["easy_read"]) for p in data["pages"])
    page_ids = {p.id for p in pages}
    questions: list[Question] = []
    seen: set[str] = set()
    for raw in data["questions"]:
        qid = raw.get("id", "?")
        if qid in seen:
            fail(f"question '{qid}'", "listed twice")
        seen.add(qid)
        if raw.get("type") not in QUESTION_TYPES:
            fail(f"question '{qid}'", f"type must be one of {', '.join(QUESTION_TYPES)}")
        if raw.get("page") not in page_ids:
            fail(f"question '{qid}'", f"page '{raw.get('page')}' is not in pages")
        qaud = tuple(raw.get("audiences", ()))
        if not qaud or any(a not in AUDIENCES for a in qaud):
            fail(f"question '{qid}'", "audiences must name families, education or forum")
        text = raw.get("text")
        wording = {a: text for a in qaud} if isinstance(text, str) else dict(text or {})
        if set(wording) != set(qaud):
            fail(f"question '{qid}'", "needs wording for each of its audiences")
        raw_options = sets[raw["option_set"]] if "option_set" in raw else raw.get("options", [])
        options = tuple(Option(o["value"], o["label"], o["easy_read"], o.get("score"),
                               bool(o.get("missing")), bool(o.get("top")),
                               bool(o.get("exclusive")), o.get("favours"))
                        for o in raw_options)
        if raw["type"] in ("single", "multi") and len(options) < 2:
            fail(f"question '{qid}'", "a choice question needs at least two options")
        if len({o.value for o in options}) != len(options):
            fail(f"question '{qid}'", "option values must be unique")
        show_if = None
        if "show_if" in raw:
            cond = raw["show_if"]
            if cond["question"] not in seen:
                fail(f"question '{qid}'", "show_if must name an earlier question")
            show_if = (cond["question"], tuple(cond["in"]))
        if raw.get("measure") == "partnership" and any(
                o.score is None for o in options if not o.missing):
            fail(f"question '{qid}'", "a partnership item needs a score on every option")
        questions.append(Question(
            id=qid, page=raw["page"], type=raw["type"], audiences=qaud, wording=wording,
            easy_read=raw["easy_read"], hint=raw.get("hint"), options=options,
            measure=raw.get("measure"), show_if=show_if, minimum=raw.get("min"),
            maximum=raw.get("max"), not_more_than=raw.get("not_more_than"),
            max_length=raw.get("max_length"), free_text=bool(raw.get("free_text"))))
    return Instrument(str(data["version"]), data["title"], data["about"], audiences, pages,
                      tuple(questions))
