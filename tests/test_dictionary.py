"""The data dictionary works from an installed copro: it reads its copy of docs/outputs.md
installed as package data, never the checkout, whatever the current directory."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from copro.render.dictionary import OUTPUTS_DOC, documented_names, sections

ROOT = Path(__file__).resolve().parents[1]


def test_the_installed_copy_is_docs_outputs_md():
    assert OUTPUTS_DOC.read_bytes() == (ROOT / "docs" / "outputs.md").read_bytes(), (
        "src/copro/data/outputs.md differs from docs/outputs.md: run `make outputs-doc`")


def test_sections_read_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    titles = [s.title for s in sections()]
    assert any("per-area table" in t for t in titles)
    assert "area_code" in documented_names()


#: pip's words when the build's own requirements cannot be fetched (no network)
OFFLINE = ("No matching distribution found", "Could not find a version",
           "NewConnectionError", "Network is unreachable", "Temporary failure in name resolution")

RENDER = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "copro.web.settings"
import django
django.setup()
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)  # as `copro serve` does
from django.test import Client
import copro
assert copro.__file__.startswith(sys.argv[1]), copro.__file__
r = Client(HTTP_HOST="localhost").get("/data/dictionary")
body = r.content.decode()
assert r.status_code == 200, r.status_code
assert "_neighbour_rank_of" in body and "/docs/outputs/" in body, "no columns"
print("ok")
"""


def test_the_dictionary_page_renders_from_a_built_wheel(tmp_path):
    """Build a wheel of this checkout, unpack it elsewhere and render /data/dictionary from
    it, the current directory a fresh one: no docs/ folder anywhere near."""
    source = tmp_path / "source"  # a copy, so that the build writes nothing into the checkout
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=240)
    if built.returncode and any(x in built.stderr for x in OFFLINE):
        pytest.skip("no package index to fetch setuptools>=77 for the build: "
                    + built.stderr.strip().splitlines()[-1])
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("copro-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        assert "copro/data/outputs.md" in z.namelist()
        z.extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "COPRO_DATA_DIR": str(tmp_path / "data"),
           "COPRO_NO_CACHE": "1"}
    run = subprocess.run([sys.executable, "-c", RENDER, str(site)], cwd=work, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-3000:]
