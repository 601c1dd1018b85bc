"""The survey's settings from the environment (read here only).

- ``COPRO_SURVEY_RETENTION_DAYS``: days after a round closes before its free text is deleted by
  ``copro survey purge`` (default 365);
- ``COPRO_SURVEY_CONTROLLER``: who runs the survey, named in the privacy notice (default
  "the organisation running this site");
- ``COPRO_SURVEY_CONTACT``: how to contact them about the data (default: none given);
- ``COPRO_SURVEY_GRACE_MINUTES``: after a round closes, how long an answer begun while it was
  open is still taken (default 30; 0 for none);
- ``COPRO_SURVEY_IDLE_MINUTES``: answers in progress are forgotten after this long without a
  page sent (default 30), so the next person on a shared device cannot read them.
"""

from __future__ import annotations

import os


def retention_days() -> int:
    try:
        return max(1, int(os.environ.get("COPRO_SURVEY_RETENTION_DAYS", 365)))
    except ValueError:
        return 365


def controller() -> str:
    return os.environ.get("COPRO_SURVEY_CONTROLLER", "the organisation running this site")


def contact() -> str:
    return os.environ.get("COPRO_SURVEY_CONTACT", "")


def notice_is_template() -> bool:
    """The privacy notice still lacks its data controller or their contact: `copro serve`
    refuses to start under COPRO_HTTPS=1 (a public deployment) until both are set, and the
    survey's pages and notice are not served (copro.web.survey.views)."""
    return not (os.environ.get("COPRO_SURVEY_CONTROLLER", "").strip() and contact().strip())


def notice_missing() -> list[str]:
    """The settings the privacy notice still needs (empty once it is filled)."""
    return [name for name in ("COPRO_SURVEY_CONTROLLER", "COPRO_SURVEY_CONTACT")
            if not os.environ.get(name, "").strip()]


def _minutes(name: str, default: int, least: int) -> int:
    try:
        return max(least, int(os.environ.get(name, default)))
    except ValueError:
        return default


def grace_minutes() -> int:
    return _minutes("COPRO_SURVEY_GRACE_MINUTES", 30, 0)


def idle_minutes() -> int:
    return _minutes("COPRO_SURVEY_IDLE_MINUTES", 30, 1)
