"""The documentation site: built by `make docs` (MkDocs, strict), served by `copro serve` at
/docs/, linked from every page's footer, and readable in a real browser at a desktop and a phone
width; the README stays on two screens and its links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from copro.web import documentation
from tests.web.conftest import axe_violations
from tests.web.survey_helpers import press

ROOT = Path(__file__).resolve().parents[2]
NAV_PAGES = ("", "reading-the-figures/", "survey-rounds/", "own-data/", "outputs/",
             "running-the-service/", "deploy/", "data-and-licences/", "developing/")


def _built() -> Path:
    site = documentation.BUILT_SITE
    if not (site / "index.html").is_file():
        pytest.fail("the documentation is not built: run `make docs` (make test builds it first)")
    return site


@pytest.mark.django_db
@pytest.mark.parametrize("page", NAV_PAGES)
def test_every_page_in_the_contents_is_served(client, page):
    _built()
    response = client.get(f"/docs/{page}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.count("<h1") == 1
    assert 'href="/static/copro/copro.css"' in body
    assert response.headers["Content-Security-Policy"]  # the site's headers apply here too


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/docs/../settings.py", "/docs/%2e%2e/urls.py",
                                  "/docs/no-such-page/", "/docs/css/../../documentation.py"])
def test_nothing_outside_the_built_site_is_served(client, path):
    _built()
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_unbuilt_documentation_is_a_404_that_says_how(client, tmp_path, monkeypatch):
    monkeypatch.setattr(documentation, "BUILT_SITE", tmp_path)
    response = client.get("/docs/")
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/la/E08000035", "/compare", "/methods", "/data",
                                  "/accessibility", "/survey/", "/no-such-page"])
def test_every_page_links_the_documentation_from_its_footer(client, path):
    response = client.get(path)
    footer = response.content.decode().split('<footer', 1)[1]
    assert 'href="/docs/"' in footer


def test_the_built_site_holds_every_markdown_page():
    site = _built()
    for md in (ROOT / "docs").glob("*.md"):
        assert (site / md.stem / "index.html").is_file() or md.stem == "index", md.name


def test_readme_fits_two_screens_and_opens_with_the_three_commands():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    first_block = readme.split("```")[1]
    for command in ("make audit", "make test", "make serve"):
        assert command in first_block


def test_readme_links_lead_somewhere():
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#]+)\)", readme)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert local, "the README links its documentation"
    for target in local:
        assert (ROOT / target).exists(), target


def test_readme_screenshot_is_regenerated_from_the_live_site(browser, live_url):
    """The README's picture of an LA page is taken here, from the real site, so it never goes
    stale: every run of the suite draws it again (the first screen of Leeds' page at 1280 px)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        assert page.goto(live_url + "/la/E08000035").status == 200
        target = ROOT / "docs" / "images" / "la-page.png"
        page.screenshot(path=str(target))
        from PIL import Image

        with Image.open(target) as image:
            assert image.size == (1280, 900)
            assert len(image.convert("L").getcolors(256)) > 16  # a page, not a blank
    finally:
        context.close()


@pytest.mark.parametrize("width", (1280, 390))
def test_documentation_pages_in_a_browser(browser, live_url, width):
    _built()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for path in ("/docs/", "/docs/reading-the-figures/", "/docs/outputs/"):
            assert page.goto(live_url + path).status == 200
            overflow = page.evaluate("document.documentElement.scrollWidth - "
                                     "document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} at {width}px is {overflow}px too wide"
            assert axe_violations(page) == [], path
        # from the site's footer to the documentation and back
        page.goto(live_url + "/la/E08000035")
        press(page, "Documentation", role="link")
        assert page.url.endswith("/docs/")
        assert "copro documentation" in page.locator("h1").inner_text()
    finally:
        context.close()
