"""gunicorn's settings for Regie (read from the working directory; the command
line wins): the app loaded before the workers fork, a few threads per worker.

``bootstrap.py serve``, the Dockerfile and docker-compose run gunicorn from here.
A worker's threads overlap the time its requests wait for PostgreSQL; the number
of workers is given on the command line (from the cores). Each worker also starts
a background thread for the bookkeeping a request leaves (``post_fork``).
"""

import os

preload_app = True
worker_class = "gthread"
threads = int(os.environ.get("REGIE_WEB_THREADS") or 4)
timeout = 120


def post_fork(server, worker):
    """Each worker runs the bookkeeping its requests leave on its own thread,
    so a coder's answer does not wait for it (``regie_site.background``)."""
    from regie_site import background

    background.start()
