"""The documentation site at /docs/: the pages `make docs` builds with MkDocs (mkdocs.yml) into
``docs_site/`` beside this file, served as files. Nothing is built at run time."""

from __future__ import annotations

from pathlib import Path

from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve

#: Where `make docs` writes the built site (package data, so an installed copro serves it too)
BUILT_SITE = Path(__file__).resolve().parent / "docs_site"


@require_safe
def documentation(request, path: str = ""):
    """A built documentation page: a folder's address serves its ``index.html``."""
    if not (BUILT_SITE / "index.html").is_file():
        raise Http404("The documentation has not been built: run `make docs`.")
    if ".." in path.split("/") or "\\" in path:
        raise Http404("No such documentation page.")
    if path == "" or path.endswith("/"):
        path += "index.html"
    response = serve(request, path, document_root=str(BUILT_SITE))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
