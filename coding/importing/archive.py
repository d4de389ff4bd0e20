"""Whole uploads: unpacking ZIP archives and parsing a batch all-or-nothing.

What belongs here is everything about *several* files at once: turning an
uploaded archive into member files (with zip-bomb limits) and parsing a batch
so that the caller either gets every document or an error listing every
failing file, never a half-imported batch.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from .formats import (
    ARCHIVE_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    ParsedDocument,
    extension_of,
    format_size,
    parse_file,
)
from .normalise import ImportFileError
from .safexml import UploadLimits, UploadRefused, read_member

__all__ = [
    "DEFAULT_MAX_ARCHIVE_BYTES",
    "DEFAULT_MAX_ARCHIVE_FILES",
    "ImportBatchError",
    "expand_upload",
    "parse_upload_batch",
]

DEFAULT_MAX_ARCHIVE_FILES = 200
DEFAULT_MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
# An archive may hold junk (resource forks, folders) besides the files we keep,
# but a central directory with this many entries is an attack, not an upload.
_MAX_ENTRIES_FACTOR = 10
_CHUNK = 64 * 1024
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini"})


class ImportBatchError(ValueError):
    """A batch upload failed; ``errors`` holds one ImportFileError per bad file.

    Raised so that the caller writes nothing: the researcher fixes or removes
    the listed files and uploads the batch again.
    """

    def __init__(
        self, errors: Sequence[ImportFileError], message: str | None = None
    ) -> None:
        super().__init__(list(errors), message)
        self.errors = list(errors)
        self.message = (
            message
            if message is not None
            else _("these files could not be imported, so nothing was imported:")
        )

    def __str__(self) -> str:
        return "\n".join([str(self.message), *(f"- {error}" for error in self.errors)])


def _clean_member_path(name: str) -> str:
    """Forward slashes, NFC (macOS zips use NFD), no empty/``.``/``..`` parts."""
    parts = unicodedata.normalize("NFC", name.replace("\\", "/")).split("/")
    return "/".join(part for part in parts if part not in ("", ".", ".."))


def _is_wanted(path: str) -> bool:
    """Skip folders' junk: ``__MACOSX/``, dotfiles, Thumbs.db, Office lock files.

    Files of unsupported types (including nested archives) are skipped too.
    """
    parts = path.split("/")
    if not path or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
        return False
    base = parts[-1]
    if base.casefold() in _JUNK_NAMES or base.startswith("~$"):
        return False
    return extension_of(base) in SUPPORTED_EXTENSIONS


def _member_names(paths: Sequence[str]) -> list[str]:
    """Base names, except that clashing base names keep their relative path.

    Clashes are compared case-insensitively; exact duplicate paths (possible in
    a ZIP) get `` (2)``, `` (3)`` … before the extension.
    """
    bases = [path.rsplit("/", 1)[-1] for path in paths]
    clashes = Counter(base.casefold() for base in bases)
    names = [
        base if clashes[base.casefold()] == 1 else path
        for base, path in zip(bases, paths, strict=True)
    ]
    seen: Counter[str] = Counter()
    unique: list[str] = []
    for name in names:
        seen[name.casefold()] += 1
        if seen[name.casefold()] > 1:
            extension = extension_of(name)
            stem = name[: len(name) - len(extension)]
            name = f"{stem} ({seen[name.casefold()]}){extension}"
        unique.append(name)
    return unique


def expand_upload(
    filename: str,
    data: bytes,
    *,
    max_files: int = DEFAULT_MAX_ARCHIVE_FILES,
    max_total_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES,
) -> list[tuple[str, bytes]]:
    """Return ``[(name, bytes)]``: the supported members of a .zip, else the file.

    Members are flattened to their base name unless two share one (see
    ``_member_names``).  Limits protect against zip bombs: at most
    ``max_files`` supported members and ``max_total_bytes`` unpacked, checked
    against the sizes the archive declares *and* while actually unpacking.
    """
    if extension_of(filename) not in ARCHIVE_EXTENSIONS:
        return [(filename, data)]
    if not data:
        raise ImportFileError(filename, _("the file is empty."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _corrupt(filename) from exc
    with archive:
        selected = _selected_members(filename, archive, max_files=max_files)
        _check_declared(filename, selected, max_total_bytes=max_total_bytes)
        names = _member_names([path for path, _info in selected])
        contents = _unpack(
            filename,
            archive,
            [info for _path, info in selected],
            max_total_bytes=max_total_bytes,
        )
    return list(zip(names, contents, strict=True))


def _corrupt(filename: str) -> ImportFileError:
    return ImportFileError(
        filename,
        _("the file is not a valid ZIP archive (it may be damaged or incomplete)."),
    )


def _too_large(filename: str, max_total_bytes: int) -> ImportFileError:
    return ImportFileError(
        filename,
        _("the ZIP archive is too large when unpacked (more than %(limit)s).")
        % {"limit": format_size(max_total_bytes)},
    )


def _too_many(filename: str, max_files: int) -> ImportFileError:
    return ImportFileError(
        filename,
        _(
            "the ZIP archive contains more than %(count)d files; split it into "
            "smaller archives."
        )
        % {"count": max_files},
    )


def _selected_members(
    filename: str, archive: zipfile.ZipFile, *, max_files: int
) -> list[tuple[str, zipfile.ZipInfo]]:
    """The members worth importing, as ``(clean path, info)``; at least one."""
    infos = archive.infolist()
    if len(infos) > max(_MAX_ENTRIES_FACTOR * max_files, 1000):
        raise _too_many(filename, max_files)
    selected = [
        (path, info)
        for info in infos
        if not info.is_dir() and _is_wanted(path := _clean_member_path(info.filename))
    ]
    if not selected:
        raise ImportFileError(
            filename,
            _(
                "the ZIP archive contains no files that can be imported; "
                "supported types are %(supported)s."
            )
            % {"supported": ", ".join(SUPPORTED_EXTENSIONS)},
        )
    if len(selected) > max_files:
        raise _too_many(filename, max_files)
    return selected


def _check_declared(
    filename: str,
    selected: list[tuple[str, zipfile.ZipInfo]],
    *,
    max_total_bytes: int,
) -> None:
    """Refuse before unpacking what the archive itself says is too big or locked."""
    if sum(info.file_size for _path, info in selected) > max_total_bytes:
        raise _too_large(filename, max_total_bytes)
    if any(info.flag_bits & 0x1 for _path, info in selected):
        raise ImportFileError(
            filename,
            _(
                "the ZIP archive is protected with a password; create it again "
                "without a password."
            ),
        )


def _unpack(
    filename: str,
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    *,
    max_total_bytes: int,
) -> list[bytes]:
    """The members' bytes, counting what is really unpacked against the limit."""
    contents: list[bytes] = []
    unpacked = 0
    limits = UploadLimits.from_settings()
    for info in infos:
        if unpacked + info.file_size > max_total_bytes:
            raise _too_large(filename, max_total_bytes)
        # Each member is bounded on its own too (absolute and ratio to its
        # packed size), so a lying header cannot make one member a bomb.
        remaining = max_total_bytes - unpacked
        total_binds = remaining <= limits.max_member_bytes
        try:
            content = read_member(
                archive,
                info,
                replace(
                    limits, max_member_bytes=min(limits.max_member_bytes, remaining)
                ),
            )
        except UploadRefused as refused:
            if refused.kind == "member_too_large" and total_binds:
                raise _too_large(filename, max_total_bytes) from refused
            raise ImportFileError(filename, refused.reason) from refused
        except (
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
            EOFError,
            OSError,
            ValueError,
        ) as exc:
            raise _corrupt(filename) from exc
        unpacked += len(content)
        contents.append(content)
    return contents


def parse_upload_batch(
    files: list[tuple[str, bytes]],
    *,
    max_file_bytes: int,
    max_archive_files: int = DEFAULT_MAX_ARCHIVE_FILES,
    max_archive_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES,
) -> list[ParsedDocument]:
    """Parse every uploaded file (unpacking ZIPs), all or nothing.

    Every file is tried, so that one upload reports *all* problems at once.
    If any file fails, :class:`ImportBatchError` lists each failure; errors
    inside an archive are named ``archive.zip/member.docx``.  An empty batch
    is an error too.  ``max_file_bytes`` applies to each file, including each
    archive member.
    """
    if not files:
        raise ImportBatchError([], _("no files were uploaded."))
    documents: list[ParsedDocument] = []
    errors: list[ImportFileError] = []
    for filename, data in files:
        is_archive = extension_of(filename) in ARCHIVE_EXTENSIONS
        try:
            members = expand_upload(
                filename,
                data,
                max_files=max_archive_files,
                max_total_bytes=max_archive_bytes,
            )
        except ImportFileError as error:
            errors.append(error)
            continue
        for name, member_data in members:
            try:
                documents.append(
                    parse_file(name, member_data, max_bytes=max_file_bytes)
                )
            except ImportFileError as error:
                if is_archive:
                    error = ImportFileError(f"{filename}/{name}", error.reason)
                errors.append(error)
    if errors:
        raise ImportBatchError(errors)
    return documents
