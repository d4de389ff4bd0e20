"""gunicorn's settings for Regie (read from the working directory; the command
line wins): the app loaded before the workers fork, a few threads per worker.

``bootstrap.py serve``, the Dockerfile and docker-compose run gunicorn from here.
A worker's threads overlap the time its requests wait for PostgreSQL; the number
of workers is given on the command line (from the cores).
"""

import os

preload_app = True
worker_class = "gthread"
threads = int(os.environ.get("REGIE_WEB_THREADS") or 4)
timeout = 120
