"""The page tests' Chromium (tests/browser.py): one per session, launched again when it has
gone, so that a Chromium crash fails the test it happened in and not every page test after it
on that worker (seen in CI: one crash, then every later page test "Target ... closed"); the
fixture asks again for each test module."""

from __future__ import annotations


def test_a_browser_that_has_gone_is_launched_again(_chromium):
    """The session's own Chromium (a second Playwright cannot start in the same process)."""
    first = _chromium.connected()
    launches = _chromium.launches
    assert _chromium.connected() is first and _chromium.launches == launches
    first.close()  # as if Chromium had crashed
    second = _chromium.connected()
    assert second is not first and second.is_connected()
    assert _chromium.launches == launches + 1
    page = second.new_page()
    page.set_content("<p>still here</p>")
    assert page.inner_text("p") == "still here"
    page.close()
