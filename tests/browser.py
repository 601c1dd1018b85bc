"""Headless Chromium through Playwright for the page tests (the report's and the website's), and
axe-core's accessibility checks. The ``browser`` fixture in tests/conftest.py launches it once
per session.

The browser is Chromium's headless shell (Debian's ``chromium-headless-shell``: the same
Chromium and the same Blink as Debian's ``chromium``, built without the desktop browser's
windows and tab strip; the build Playwright itself runs headless tests on). The full browser
run headless still draws its own interface for every page: on the same pages, axe checks and
screenshots, it took about 2.4 times the CPU (docs/testing.md)."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium-headless-shell")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Chromium:
    """One Playwright and one headless Chromium for the session, launched on first use and
    again if it has gone (Chromium crashed or was killed). Without Chromium, fail: never a
    silent skip (`make test` installs Debian's 'chromium-headless-shell' when run as root,
    .ci/run always)."""

    def __init__(self):
        self._playwright = None
        self._browser = None
        self.launches = 0

    def connected(self):
        if CHROMIUM is None:
            pytest.fail("Chromium's headless shell is not installed: `make test` installs "
                        "Debian's 'chromium-headless-shell' when run as root; otherwise "
                        "install it (apt-get install chromium-headless-shell)")
        if self._browser is None or not self._browser.is_connected():
            if self._playwright is None:
                from playwright.sync_api import sync_playwright

                self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM,
                                                             args=ARGS)
            self.launches += 1
        return self._browser

    def close(self):
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
        # every violation in full; of the passes and the rest one node each (axe-core's own
        # option for speed: the page tests sent every passing node to Python, ~7 of 8 s)
        "resultTypes": ["violations"]})
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: "
            f"{[n['target'] for n in v['nodes'][:3]]})"
            for v in results.response["violations"]]
