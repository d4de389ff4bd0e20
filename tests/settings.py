"""The project's settings for the test run, with each pytest-xdist worker's files apart.

Every xdist worker has its own test database (pytest-django names it), and its job
ids start at 1 like its neighbour's: export folders, kept uploads and the Celery
workers it starts must not share a ``REGIE_VAR_DIR`` with another test process.
The folder is chosen here, before the settings are read, because model storages
take their location when the models load.
"""

import os
from pathlib import Path

_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _xdist_worker:
    _var = Path(
        os.environ.get("REGIE_VAR_DIR") or Path(__file__).resolve().parents[1] / "var"
    )
    if _var.parts[-2:] != ("tests", _xdist_worker):  # not yet (a Celery worker
        # started by a test inherits the folder with the environment)
        os.environ["REGIE_VAR_DIR"] = str(_var / "tests" / _xdist_worker)

from regie_site.settings import *  # noqa: E402, F403
