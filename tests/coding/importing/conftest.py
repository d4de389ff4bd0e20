"""The pure import layer ``coding.importing`` needs no database, only Django's
lazy translations; its tests assert against the English source messages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation

# The layer only needs Django for lazy translations.  When the tests run
# without pytest-django (``-p no:django``), give Django minimal settings so the
# messages can be rendered; with real project settings, leave them alone.
if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=False)


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Assert against the English source messages even where Dutch is the default."""
    with translation.override("en"):
        yield
