"""copro.render.json_out.to_plain: every kind of value a finding holds, made JSON-ready as the
schema (docs/outputs.md) says: dataclasses as objects of their public fields in declared order,
enums as their values (keys too), tuples as lists, non-finite numbers as null."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import Enum, IntEnum, StrEnum

import numpy as np

from copro.render.json_out import to_plain


class Colour(Enum):
    RED = "red"


class Rank(IntEnum):
    FIRST = 1


@dataclass(frozen=True)
class Inner:
    share: float
    label: str
    _private: int = 0


@dataclass(frozen=True)
class Outer:
    name: str
    count: int
    flag: bool
    missing: None
    inner: Inner
    items: tuple
    by_colour: dict
    colour: Colour
    rank: Rank
    numbers: list = field(default_factory=list)


def test_every_kind_of_value():
    value = Outer("Leeds", 3, True, None, Inner(math.nan, "x", 7), (1, Inner(0.5, "y")),
                  {Colour.RED: math.inf, "k": (np.float64("nan"), np.float64(0.25))},
                  Colour.RED, Rank.FIRST, [-math.inf, 1.5, 4])
    plain = to_plain(value)
    assert list(plain) == ["name", "count", "flag", "missing", "inner", "items", "by_colour",
                           "colour", "rank", "numbers"]
    assert plain == {"name": "Leeds", "count": 3, "flag": True, "missing": None,
                     "inner": {"share": None, "label": "x"},
                     "items": [1, {"share": 0.5, "label": "y"}],
                     "by_colour": {"red": None, "k": [None, 0.25]},
                     "colour": "red", "rank": 1, "numbers": [None, 1.5, 4]}
    assert plain["rank"] is Rank.FIRST.value and plain["flag"] is True
    json.dumps(plain, allow_nan=False)  # nothing left that JSON cannot carry


def test_a_dataclass_class_itself_is_left_as_it_is():
    assert to_plain(Inner) is Inner


class Level(StrEnum):
    LA = "local_authority"


@dataclass(frozen=True)
class OnlyPrivate:
    _hidden: int = 1


@dataclass(frozen=True)
class Child(Inner):
    extra: str = "e"


def test_str_enums_subclasses_and_a_dataclass_with_no_public_field():
    assert to_plain({Level.LA: Level.LA}) == {"local_authority": "local_authority"}
    assert type(to_plain(Level.LA)) is str
    assert to_plain(OnlyPrivate()) == {} and to_plain(OnlyPrivate()) == {}  # twice: same
    assert to_plain(Child(0.25, "c")) == {"share": 0.25, "label": "c", "extra": "e"}
    assert to_plain(np.float64("inf")) is None and to_plain(np.float32(0.5)) == 0.5
