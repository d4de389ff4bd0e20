"""Dutch names, streets, places and organisations, found by ``deduce``.

deduce builds its lookup structures (tries of first names, surnames, streets and
places) once, in one to three minutes, and keeps them pickled in a cache folder:
``REGIE_DEDUCE_CACHE``, else ``~/.cache/regie/deduce`` (outside the virtualenv, so a
fresh clone or virtualenv on the same machine, CI's included, reuses it; deduce
rebuilds it when its version changes). ``build_if_missing()`` builds it
when missing (``bootstrap.py`` runs it after installing); a worker loads it with its
first suggestion job (or when it starts, with ``REGIE_DEDUCE_PRELOAD``), tests once
per session; no request ever needs it. Loading the cached structures takes 10–20 s
of CPU and about 1 GB of memory per process; one ``Deduce`` serves the process.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

from privacy.detect.categories import Category

# Dates, ages and URLs are left out: an interview is full of dates that are not
# personal (patterns find dates of birth), and deduce's redactor is not needed.
DISABLED = frozenset({"dates", "ages", "urls", "eponymous_disease", "redactor"})

_LOCK = threading.Lock()


def _category(tag: str) -> Category | None:
    if "patient" in tag or "persoon" in tag or "naam" in tag or "initiaal" in tag:
        return Category.PERSON
    if "straat" in tag or "huisnummer" in tag or "postbus" in tag:
        return Category.ADDRESS
    if "postcode" in tag:
        return Category.POSTCODE
    if "locatie" in tag:
        return Category.PLACE
    if "ziekenhuis" in tag or "zorginstelling" in tag or "instelling" in tag:
        return Category.ORGANISATION
    if "telefoon" in tag:
        return Category.PHONE
    if "email" in tag:
        return Category.EMAIL
    if tag in {"bsn", "id"}:
        return Category.IDENTIFIER
    return None


def cache_dir() -> Path:
    """Where deduce keeps its built lookup structures."""
    named = os.environ.get("REGIE_DEDUCE_CACHE")
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "regie" / "deduce"


def cache_ready() -> bool:
    return (cache_dir() / "cache" / "lookup_structs.pickle").exists()


@cache
def model() -> Any:
    """The process's ``Deduce`` (built or loaded from its cache on first use)."""
    with _LOCK:
        import deduce

        return deduce.Deduce(cache_path=cache_dir())


def warm_up() -> None:
    """Build (first time) or load the lookup structures now."""
    model()


def dutch_spans(text: str) -> list[tuple[int, int, Category]]:
    """``(start, end, category)`` of what deduce annotates in ``text``."""
    if not text.strip():
        return []
    document = model().deidentify(text, disabled=set(DISABLED))
    spans = []
    for annotation in document.annotations:
        category = _category(annotation.tag)
        if category is Category.PLACE and any(c.isdigit() for c in annotation.text):
            category = Category.ADDRESS  # "Kerkstraat 12": a street and number
        if category is not None:
            spans.append((annotation.start_char, annotation.end_char, category))
    return spans


def build_if_missing() -> None:
    """At install (``bootstrap.py``): build the cache once per machine."""
    if not cache_ready():
        print("[regie] building deduce's lookup structures (once; 1-3 minutes)")
        warm_up()
