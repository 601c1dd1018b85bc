"""Each test process's own throwaway data folder, set before Django is.

Loaded as a plugin (``-p tests.data_folder`` in pyproject's pytest options), so it runs before
pytest-django sets Django up: under pytest-xdist a worker inherits the controller's environment,
DJANGO_SETTINGS_MODULE included, and pytest-django then reads Django's settings before the
worker's conftest runs. When the conftest made the folder, every worker's settings took the
controller's, and the workers collected static files into one folder at once (a file vanished
while another worker's WhiteNoise read the folder: FileNotFoundError)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ["COPRO_DATA_DIR"] = tempfile.mkdtemp(prefix="copro-test-data-")
atexit.register(shutil.rmtree, os.environ["COPRO_DATA_DIR"], True)
os.environ["DJANGO_SETTINGS_MODULE"] = "copro.web.settings"
