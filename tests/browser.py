"""Headless Chromium (Debian's) through Playwright for the page tests (the report's and the
website's), and axe-core's accessibility checks. The ``browser`` fixture in tests/conftest.py
launches it once per session."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launched():
    """Yield a launched Chromium; without one, fail (never a silent skip: `make test`
    installs Debian's 'chromium' when run as root, .ci/run always)."""
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's 'chromium' when "
                    "run as root; otherwise install it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: "
            f"{[n['target'] for n in v['nodes'][:3]]})"
            for v in results.response["violations"]]
