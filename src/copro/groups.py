"""Who made a request: the requester groups every data source maps onto."""

from __future__ import annotations

from enum import StrEnum


class RequesterGroup(StrEnum):
    """The source of a request for an EHC needs assessment, in the words of the domain."""

    FAMILY = "family"
    EDUCATION = "education"
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    OTHER = "other"
    UNKNOWN = "unknown"
    ALL = "all"  # every request, whoever made it (the published total row)

    @property
    def label(self) -> str:
        """Short plural noun for tables: 'Families', 'Schools', ..."""
        return _LABELS[self][0]

    @property
    def whose_requests(self) -> str:
        """'families' requests', 'schools' requests', else 'requests from health care
        professionals': the group's requests, never the group as people."""
        own = {"family": "families'", "education": "schools'"}.get(self.value)
        return f"{own} requests" if own else self.requests_from

    @property
    def requests_from(self) -> str:
        """Phrase for sentences: 'requests from families'."""
        return _LABELS[self][1]


_LABELS = {
    RequesterGroup.FAMILY: ("Families", "requests from families (parents or young people)"),
    RequesterGroup.EDUCATION: ("Schools", "requests from schools and other education settings"),
    RequesterGroup.HEALTH: ("Health", "requests from health care professionals"),
    RequesterGroup.SOCIAL_CARE: ("Social care", "requests from social care professionals"),
    RequesterGroup.OTHER: ("Other", "requests from other people"),
    RequesterGroup.UNKNOWN: ("Not known", "requests whose source was not recorded"),
    RequesterGroup.ALL: ("All", "all requests"),
}

#: The groups a comparison can be made between (``ALL`` is a total, not a group).
COMPARABLE_GROUPS = tuple(g for g in RequesterGroup if g is not RequesterGroup.ALL)

#: DfE open data ``breakdown`` labels (topic "Source of request") -> group.
DFE_BREAKDOWN_GROUPS: dict[str, RequesterGroup] = {
    "Parent or young person": RequesterGroup.FAMILY,
    "School or other education setting": RequesterGroup.EDUCATION,
    "Health care professional": RequesterGroup.HEALTH,
    "Social care professional": RequesterGroup.SOCIAL_CARE,
    "Other": RequesterGroup.OTHER,
    "Not known": RequesterGroup.UNKNOWN,
    "All requests for an EHC needs assessment": RequesterGroup.ALL,
}

#: SEN2 ``RequestSource`` codes (2026 collection) -> group; a missing item means not known.
SEN2_REQUEST_SOURCE_GROUPS: dict[str, RequesterGroup] = {
    "1": RequesterGroup.FAMILY,
    "2": RequesterGroup.EDUCATION,
    "3": RequesterGroup.HEALTH,
    "4": RequesterGroup.SOCIAL_CARE,
    "5": RequesterGroup.OTHER,
}


def parse_group(text: str) -> RequesterGroup:
    """Read a group name typed by a user ('education', 'family', 'social-care', ...)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"school": "education", "schools": "education", "parent": "family",
               "parents": "family", "families": "family", "social": "social_care"}
    key = aliases.get(key, key)
    try:
        group = RequesterGroup(key)
    except ValueError:
        group = None
    if group is None or group is RequesterGroup.ALL:
        names = ", ".join(g.value for g in COMPARABLE_GROUPS)
        raise ValueError(f"unknown requester group '{text}'; expected one of: {names}")
    return group
