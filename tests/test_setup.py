"""The set-up contract: `make test` installs Chromium for the browser tests or stops saying how."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_test_stops_with_a_clear_message_without_chromium(tmp_path):
    """Not root and no Chromium on PATH: `make chromium` (a prerequisite of `make test`) fails
    and says what to install, instead of letting the browser tests be skipped."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    make = shutil.which("make")
    assert make is not None, "make is part of the set-up contract"
    proc = subprocess.run([make, "--no-print-directory", "-C", str(ROOT), "chromium"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": str(bin_dir)})
    assert proc.returncode != 0
    assert "make test needs Chromium" in proc.stderr
    assert "apt-get install chromium" in proc.stderr


def test_make_test_depends_on_chromium():
    makefile = (ROOT / "Makefile").read_text()
    test_rule = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "chromium" in test_rule.split(":", 1)[1].split()
