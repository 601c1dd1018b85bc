"""A DTD is refused before any XML parser reads it, whatever lxml/libxml2 is installed.

libxml2 2.14 stops a billion-laughs file on its own entity-amplification limit, with its own
wording, before lxml can tell copro about the DOCTYPE; older versions report the DOCTYPE. copro
therefore reads the prolog's bytes itself (``inputs.declares_dtd``) and refuses the file before
the parser starts. These tests assert that behaviour on whatever lxml is installed; `make test`
runs them a second time with the oldest lxml pyproject.toml allows (COPRO_EXPECT_LXML).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from copro.errors import InputError
from copro.inputs import check_xml_prolog, declares_dtd
from tests.hostile.corpus import GOOD_PERSONS, header, person, sen2

ROOT = Path(__file__).resolve().parents[1]
DOCTYPE = "<!DOCTYPE Message [<!ENTITY x 'y'>]>\n"
LAUGHS = "<!DOCTYPE Message [" + "".join(
    f"<!ENTITY l{i} '{f'&l{i - 1};' * 10 if i else 'lol'}'>" for i in range(10)) + "]>\n"
BODY = sen2(GOOD_PERSONS, header()[39:])


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


WITH_DTD = {
    "utf-8": (DOCTYPE + BODY).encode(),
    "utf-8-declared": ("<?xml version='1.0' encoding='UTF-8'?>\n" + DOCTYPE + BODY).encode(),
    "utf-8-bom": b"\xef\xbb\xbf" + (DOCTYPE + BODY).encode(),
    "utf-16-bom": ("<?xml version='1.0' encoding='UTF-16'?>\n" + DOCTYPE + BODY).encode("utf-16"),
    "utf-16-be-bom": b"\xfe\xff" + ("<?xml version='1.0' encoding='UTF-16'?>\n" + DOCTYPE
                                    + BODY).encode("utf-16-be"),
    "utf-16-le-no-bom": (DOCTYPE + BODY).encode("utf-16-le"),
    "utf-32": ("<?xml version='1.0' encoding='UTF-32'?>" + DOCTYPE + BODY).encode("utf-32"),
    "windows-1252": ("<?xml version='1.0' encoding='windows-1252'?>\n" + DOCTYPE
                     + BODY).encode("cp1252"),
    "after-comments-and-pi": ("<?xml version='1.0'?>\n<?pi x?>\n" + "<!-- padding -->\n" * 600
                              + DOCTYPE + BODY).encode(),
    # the DOCTYPE keyword straddles the scanner's 64 KiB chunk boundary
    "split-across-chunks": ("<!--" + "x" * (64 * 1024 - 11) + "-->\n" + DOCTYPE + BODY).encode(),
    "comment-longer-than-a-chunk": ("<!--" + "y" * 300_000 + "-->" + DOCTYPE + BODY).encode(),
    "system": ("<!DOCTYPE Message SYSTEM 'http://example.invalid/x.dtd'>\n" + BODY).encode(),
    "public": ('<!DOCTYPE Message PUBLIC "-//X//Y" "y.dtd">\n' + BODY).encode(),
    "billion-laughs": (LAUGHS + sen2(person(source="&l9;"), header()[39:])).encode(),
    "lowercase": ("<!doctype Message>\n" + BODY).encode(),
}

WITHOUT_DTD = {
    "plain": BODY.encode(),
    "declared": ("<?xml version='1.0' encoding='UTF-8'?>\n" + BODY).encode(),
    "utf-16": ("<?xml version='1.0' encoding='UTF-16'?>\n" + BODY).encode("utf-16"),
    "doctype-inside-a-comment": ("<!-- <!DOCTYPE Message [<!ENTITY x 'y'>]> -->\n"
                                 + BODY).encode(),
    "doctype-text-after-the-root": (BODY.replace("</Message>", "<!-- x --></Message>")
                                    + "").encode(),
    "empty": b"",
    "garbage-first": b"hello <!DOCTYPE x>",
}


@pytest.mark.parametrize("name", WITH_DTD)
def test_a_dtd_is_found_in_the_bytes(name):
    assert declares_dtd(Path("x.xml"), io.BytesIO(WITH_DTD[name])) is True


@pytest.mark.parametrize("name", WITHOUT_DTD)
def test_no_dtd_is_not_reported(name):
    assert declares_dtd(Path("x.xml"), io.BytesIO(WITHOUT_DTD[name])) is False


@pytest.mark.parametrize("name", WITH_DTD)
def test_the_parser_never_sees_a_dtd(name, tmp_path, monkeypatch):
    """Refused with copro's own sentence before lxml is asked to parse anything."""
    from lxml import etree

    def no_parser(*args, **kwargs):
        raise AssertionError("the XML parser was started on a document with a DTD")

    monkeypatch.setattr(etree, "iterparse", no_parser)
    monkeypatch.setattr(etree, "XMLParser", no_parser)
    monkeypatch.setattr(etree, "XMLPullParser", no_parser)
    path = tmp_path / "s.xml"
    path.write_bytes(WITH_DTD[name])
    with pytest.raises(InputError, match="declares a DTD"):
        check_xml_prolog(path, str(path), root="Message")
    with pytest.raises(InputError, match="declares a DTD"), path.open("rb") as stream:
        check_xml_prolog(path, stream)


def test_a_prolog_longer_than_the_limit_is_refused_in_one_line(tmp_path, monkeypatch):
    import copro.inputs as inputs

    monkeypatch.setattr(inputs, "MAX_PROLOG", 100_000)
    path = tmp_path / "s.xml"
    path.write_bytes(("<!--" + "z" * 400_000 + "-->" + BODY).encode())
    with pytest.raises(InputError, match="before the root element"):
        check_xml_prolog(path, str(path), root="Message")


def test_a_file_without_dtd_is_still_read_from_its_start(tmp_path):
    """The scan leaves a seekable stream where the parser can read it from the start."""
    path = tmp_path / "s.xml"
    path.write_bytes(WITHOUT_DTD["utf-16"])
    with path.open("rb") as stream:
        check_xml_prolog(path, stream, root="Message")
    with pytest.raises(InputError, match="root element is 'Message'; expected 'Invoice'"):
        check_xml_prolog(path, str(path), root="Invoice")


@pytest.mark.parametrize("name", ["billion-laughs", "utf-16-le-no-bom", "split-across-chunks"])
def test_copro_refuses_a_dtd_in_one_line(name, tmp_path):
    """Through the real command: exit 2, one line naming the file, no traceback, nothing
    expanded (no 'lol' anywhere), no output written."""
    path = tmp_path / "return.xml"
    path.write_bytes(WITH_DTD[name])
    proc = subprocess.run([sys.executable, "-m", "copro", "audit", "--sen2", str(path),
                           "--csv", str(tmp_path / "out.csv")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "COPRO_PSEUDONYM_KEY": "prolog-test-key"})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("copro: error: ") and "return.xml" in lines[0]
    assert "DTD" in lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "lol" not in proc.stdout + proc.stderr
    assert not (tmp_path / "out.csv").exists()


def oldest_allowed_lxml() -> str:
    """The lowest lxml pyproject.toml allows, as the version pip installs for it."""
    spec = re.search(r'"lxml>=([0-9.]+)', (ROOT / "pyproject.toml").read_text())
    assert spec, "pyproject.toml pins lxml with a lower bound"
    parts = spec.group(1).split(".")
    return ".".join((parts + ["0", "0"])[:3])


def test_make_test_runs_these_tests_on_the_oldest_allowed_lxml():
    makefile = (ROOT / "Makefile").read_text()
    pinned = re.search(r"^LXML_OLDEST := (\S+)$", makefile, re.M)
    assert pinned and pinned.group(1) == oldest_allowed_lxml()
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert test_recipe and "test-oldest-lxml" in test_recipe.group(1)


def test_the_lxml_this_run_was_asked_for():
    """Under `make test-oldest-lxml` this run must really use the oldest lxml (the install
    went to a folder put first on PYTHONPATH), not the newest the venv holds."""
    import lxml

    expected = os.environ.get("COPRO_EXPECT_LXML")
    if expected:
        assert lxml.__version__ == expected
    else:
        major = int(lxml.__version__.split(".")[0])
        assert major >= int(oldest_allowed_lxml().split(".")[0])
