"""WSGI entry point (gunicorn ``regie_site.wsgi``).

The app is loaded completely here (``regie_site.warmup``), so with gunicorn's
``--preload`` (see ``gunicorn.conf.py``) the workers fork from a warm master and
even the first request is fast.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")
application = get_wsgi_application()

from regie_site.warmup import warm_up  # noqa: E402  (needs the app set up)

warm_up(application)
