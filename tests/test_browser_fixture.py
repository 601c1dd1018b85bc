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


def test_axe_finds_what_it_should_and_nothing_on_a_clean_page(browser):
    """The accessibility check itself (axe-core, WCAG 2.2 A and AA, violations only): an
    image without a text alternative, a field without a label, and grey text too faint on
    white are each found, with every offending element counted; a clean page gives none."""
    from tests.browser import axe_violations

    page = browser.new_page()
    page.set_content('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>'
                     '<main><h1>Bad</h1><img src="data:,"><img src="data:,">'
                     '<input type="text"><p style="color:#bbbbbb">faint</p></main></body></html>')
    found = {line.split(":")[0]: line for line in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= set(found), found
    assert "(2:" in found["image-alt"]  # both images, not one node of each rule
    page.set_content('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>'
                     '<main><h1>Good</h1><img src="data:," alt="A chart">'
                     '<label for="q">Name</label><input id="q" type="text">'
                     '<p>plain</p></main></body></html>')
    assert axe_violations(page) == []
    page.close()
