"""Uploads of several files: ZIP archives unpacked with limits, batches parsed
all or nothing, and fixture files that their generator recreates byte for byte.
"""

from __future__ import annotations

import io
import pickle
import unicodedata
import zipfile

import pytest

from coding.importing import (
    ImportBatchError,
    ImportFileError,
    expand_upload,
    parse_upload_batch,
)
from tests.coding.importing.helpers import (
    FIXTURES,
    MB,
    fixture,
    load_fixture_generator,
    make_zip,
    patch_zip_headers,
)

# --------------------------------------------------------------------------
# expand_upload
# --------------------------------------------------------------------------


def test_expand_zip_fixture_skips_junk_and_flattens_names() -> None:
    """Directories, __MACOSX/ and dotfiles are skipped; names lose their folder."""
    members = expand_upload("interviews.zip", fixture("interviews.zip"))
    assert [name for name, _data in members] == [
        "interview_utf8.txt",
        "interview.docx",
        "interview.srt",
    ]
    assert dict(members)["interview.docx"] == fixture("interview.docx")


def test_expand_non_zip_returns_the_file_itself() -> None:
    """Any other upload is passed through unchanged."""
    assert expand_upload("a.txt", b"hallo") == [("a.txt", b"hallo")]


def test_expand_zip_duplicate_base_names_keep_relative_paths() -> None:
    """Clashing base names keep their path; unsupported and junk files are skipped."""
    data = make_zip(
        [
            ("groep A/interview.txt", b"A"),
            ("groep B/Interview.TXT", b"B"),
            ("uniek.md", b"C"),
            ("foto.jpg", b"D"),
            ("Thumbs.db", b"E"),
            ("~$concept.docx", b"F"),
            ("genest.zip", b"G"),
        ]
    )
    assert expand_upload("map.zip", data) == [
        ("groep A/interview.txt", b"A"),
        ("groep B/Interview.TXT", b"B"),
        ("uniek.md", b"C"),
    ]


def test_expand_zip_exact_duplicate_paths_get_numbered() -> None:
    """A ZIP may contain the same path twice; both are kept, the second numbered."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("a.txt", b"1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("a.txt", b"2")
    names = [name for name, _data in expand_upload("d.zip", output.getvalue())]
    assert names == ["a.txt", "a (2).txt"]


def test_expand_zip_normalises_macos_decomposed_names() -> None:
    """macOS stores names in NFD; they become NFC like the texts."""
    data = make_zip([(unicodedata.normalize("NFD", "reünie.txt"), b"x")])
    ((name, _data),) = expand_upload("mac.zip", data)
    assert name == "reünie.txt"
    assert unicodedata.is_normalized("NFC", name)


def test_expand_zip_member_count_limit() -> None:
    """More supported members than max_files is refused."""
    data = make_zip([(f"{index}.txt", b"x") for index in range(4)])
    with pytest.raises(ImportFileError, match="more than 3 files"):
        expand_upload("veel.zip", data, max_files=3)
    assert len(expand_upload("veel.zip", data, max_files=4)) == 4


def test_expand_zip_declared_size_limit() -> None:
    """The unpacked size declared by the archive is checked before unpacking."""
    data = make_zip([("groot.txt", b"a" * (2 * MB))])
    assert len(data) < 50_000  # highly compressible: a miniature zip bomb
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        expand_upload("bom.zip", data, max_total_bytes=1 * MB)


def test_expand_zip_that_lies_about_its_size_is_refused() -> None:
    """Declaring a tiny size for a big member does not get it past the limit."""
    data = patch_zip_headers(make_zip([("groot.txt", b"a" * (2 * MB))]), size=10)
    with pytest.raises(ImportFileError) as caught:
        expand_upload("leugen.zip", data, max_total_bytes=1 * MB)
    assert caught.value.filename == "leugen.zip"


def test_expand_zip_actual_size_limit_over_several_members() -> None:
    """The running total of unpacked bytes is enforced too."""
    data = make_zip([("a.txt", b"a" * 600_000), ("b.txt", b"b" * 600_000)])
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        expand_upload("twee.zip", data, max_total_bytes=1_000_000)


def test_expand_corrupt_empty_and_useless_zips() -> None:
    """Broken, empty, encrypted or useless archives get clear reasons."""
    with pytest.raises(ImportFileError, match="not a valid ZIP archive"):
        expand_upload("kapot.zip", b"PK\x03\x04 kapot")
    with pytest.raises(ImportFileError, match="the file is empty"):
        expand_upload("leeg.zip", b"")
    with pytest.raises(ImportFileError, match="no files that can be imported"):
        expand_upload(
            "fotos.zip", make_zip([("foto.jpg", b"x"), ("__MACOSX/a.txt", b"")])
        )
    encrypted = patch_zip_headers(make_zip([("a.txt", b"geheim")]), flag=0x1)
    with pytest.raises(ImportFileError, match="protected with a password"):
        expand_upload("geheim.zip", encrypted)


# --------------------------------------------------------------------------
# parse_upload_batch
# --------------------------------------------------------------------------


def test_batch_parses_zips_and_single_files_in_order() -> None:
    """A ZIP expands in place; every document is parsed."""
    documents = parse_upload_batch(
        [
            ("interviews.zip", fixture("interviews.zip")),
            ("interview.odt", fixture("interview.odt")),
        ],
        max_file_bytes=10 * MB,
    )
    assert [d.source_name for d in documents] == [
        "interview_utf8.txt",
        "interview.docx",
        "interview.srt",
        "interview.odt",
    ]
    assert [d.format for d in documents] == ["txt", "docx", "srt", "odt"]


def test_batch_failure_lists_every_bad_file() -> None:
    """One ImportBatchError names every failing file, so nothing gets written."""
    bad_zip = make_zip([("goed.txt", b"I: ja"), ("kapot.docx", b"rommel")])
    with pytest.raises(ImportBatchError) as caught:
        parse_upload_batch(
            [
                ("interview.md", fixture("interview.md")),
                ("corrupt.docx", fixture("corrupt.docx")),
                ("programma.exe", fixture("programma.exe")),
                ("scan.pdf", fixture("scan.pdf")),
                ("map.zip", bad_zip),
                ("groot.txt", b"x" * 2000),
            ],
            max_file_bytes=1000,
        )
    error = caught.value
    assert isinstance(error, ValueError)
    assert [e.filename for e in error.errors] == [
        "corrupt.docx",
        "programma.exe",
        "scan.pdf",
        "map.zip/kapot.docx",
        "groot.txt",
    ]
    message = str(error)
    assert message.splitlines()[0].startswith("these files could not be imported")
    for item in error.errors:
        assert f"- {item}" in message
    assert "interview.md" not in message


def test_batch_member_size_limit_applies_inside_archives() -> None:
    """max_file_bytes is checked for each archive member as well."""
    data = make_zip([("groot.txt", b"a" * 5000)])
    with pytest.raises(ImportBatchError) as caught:
        parse_upload_batch([("map.zip", data)], max_file_bytes=1000)
    (error,) = caught.value.errors
    assert error.filename == "map.zip/groot.txt"
    assert "larger than the maximum" in str(error.reason)


def test_batch_empty_is_an_error() -> None:
    """Uploading nothing is reported, not silently accepted."""
    with pytest.raises(ImportBatchError, match="no files were uploaded") as caught:
        parse_upload_batch([], max_file_bytes=MB)
    assert caught.value.errors == []


def test_batch_error_pickles() -> None:
    """ImportBatchError survives pickling with its per-file errors."""
    error = ImportBatchError([ImportFileError("a.txt", "the file is empty.")])
    copy = pickle.loads(pickle.dumps(error))
    assert [str(e) for e in copy.errors] == ["a.txt: the file is empty."]
    assert str(copy) == str(error)


# --------------------------------------------------------------------------
# Fixture generator
# --------------------------------------------------------------------------


def test_fixtures_are_reproducible_from_the_generator() -> None:
    """make_fixtures.py recreates every committed fixture byte for byte."""
    built = load_fixture_generator().build_all()
    on_disk = {
        path.name: path.read_bytes()
        for path in FIXTURES.iterdir()
        if path.is_file() and path.suffix != ".py"
    }
    assert set(built) == set(on_disk)
    for name, data in built.items():
        assert data == on_disk[name], name
