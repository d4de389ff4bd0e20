"""Pure import layer: uploaded bytes → normalised text + speaker turns.

Nothing in this package touches the database or Django models; it only uses
Django's ``gettext_lazy`` for messages.  Callers (services, views, tasks) pass
file names and bytes in and get :class:`ParsedDocument` objects or a
researcher-readable :class:`ImportFileError` / :class:`ImportBatchError` back.

Modules: ``normalise`` (canonical text, decoding, per-file error), ``turns``
(speaker-turn detection), ``formats`` (one file per format), ``archive``
(ZIP unpacking and all-or-nothing batches), ``safexml`` (bounded archive members
and XML: the limits every upload is read within, also used by ``interop``).
"""

from .archive import ImportBatchError, expand_upload, parse_upload_batch
from .formats import (
    ARCHIVE_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    UPLOAD_EXTENSIONS,
    ParsedDocument,
    parse_file,
)
from .normalise import ImportFileError, decode_text, normalise_text
from .turns import ParsedTurn, detect_turns

__all__ = [
    "ARCHIVE_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "UPLOAD_EXTENSIONS",
    "ImportBatchError",
    "ImportFileError",
    "ParsedDocument",
    "ParsedTurn",
    "decode_text",
    "detect_turns",
    "expand_upload",
    "normalise_text",
    "parse_file",
    "parse_upload_batch",
]
