"""The coded segments CSV: the fast paths write exactly what the plain writer writes."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from coding.models import (
    Coding,
    Role,
)
from coding.segments import attribute_names
from interop.csv import segment_header
from tests.conftest import client_for
from tests.factories import (
    make_case,
    make_code,
    make_coding,
    make_document,
)
from tests.interop.helpers import (
    _remove_written_files,  # noqa: F401 (autouse)
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# The fast CSV path writes exactly what the generic one writes
# ---------------------------------------------------------------------------


def test_fast_segment_csv_equals_the_generic_writer(project, members, coded):
    """``iter_segment_csv`` over records = ``iter_csv`` over ``segment_cells``,
    by both of its paths: from the batches and row by row from any iterable."""
    from datetime import UTC, datetime

    from coding.access import ProjectAccess
    from coding.exports import iter_csv
    from coding.models import CodebookVersion
    from coding.segments import (
        SegmentFilter,
        filtered_codings,
        iter_segment_records,
    )
    from interop.csv import (
        iter_segment_cells,
        iter_segment_csv,
        segment_cells,
    )
    from tests.factories import make_actor, make_relation

    other_case = make_case(project=project, label="=R02", functie='zegt "ja"; nee')
    text = 'Interviewer: "Vraag"; en\n\nRespondent: =SOM en @x -3 +4\tklaar\n'
    second = make_document(project=project, case=other_case, text=text, title="Twee")
    third = make_document(project=project, text="Geen case hier.\n", title="Drie")
    code = make_code(project=project, name="-min")
    owner = members["owner"]
    for start, end, memo in ((0, 20, "regel\nregel"), (13, 30, '"q"; r'), (33, 38, "")):
        make_coding(
            document=second, code=code, coder=owner, start=start, end=end, memo=memo
        )
    make_coding(document=third, code=code, coder=members["coder"], start=0, end=4)
    Coding.objects.filter(document=third).update(
        created_at=datetime(2024, 7, 1, 10, 0, 0, tzinfo=UTC),
        updated_at=datetime(2024, 12, 1, 10, 0, 0, 5, tzinfo=UTC),
    )
    version = CodebookVersion.objects.create(project=project, number=3)
    Coding.objects.filter(document=second, start=13).update(
        codebook_version=version,
        created_at=datetime(2023, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
        updated_at=datetime(2023, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
    )
    source = make_actor(project=project, name="=Stad")
    target = make_actor(project=project, name="J@M vzw")
    make_relation(
        document=second, source=source, target=target, coder=owner, start=2, end=9
    )
    access = ProjectAccess(project=project, user_id=owner.pk, role=Role.OWNER)
    names = attribute_names(access)
    codings = filtered_codings(access, SegmentFilter())
    assert codings.count() >= 7
    generic_cells = [
        segment_cells(r, project=project.name, attribute_names=names)
        for r in iter_segment_records(access, codings, chunk_size=5000)
    ]
    records = iter_segment_records(access, codings, chunk_size=2)
    cells = iter_segment_cells(records, project=project.name, attribute_names=names)
    assert list(cells) == generic_cells  # what the Excel export writes
    for delimiter in (",", ";", "\t"):
        for bom in (True, False):
            generic = "".join(
                iter_csv(
                    segment_header(names),
                    (
                        segment_cells(r, project=project.name, attribute_names=names)
                        for r in iter_segment_records(access, codings, chunk_size=5000)
                    ),
                    delimiter=delimiter,
                    bom=bom,
                )
            )
            for records in (
                iter_segment_records(access, codings, chunk_size=2),
                (r for r in iter_segment_records(access, codings, chunk_size=3)),
            ):
                fast = "".join(
                    iter_segment_csv(
                        records,
                        project=project.name,
                        attribute_names=names,
                        delimiter=delimiter,
                        bom=bom,
                        chunk_bytes=10,
                    )
                )
                assert fast == generic


def test_segment_csv_reports_progress_between_chunks(project, members, coded):
    """A job records its progress while the CSV streams: the callback may query
    the database (nothing else is running on the connection then)."""
    from coding.access import ProjectAccess
    from coding.segments import SegmentFilter, filtered_codings, iter_segment_records
    from interop.csv import iter_segment_csv

    document, code, _mine, _theirs = coded
    for start in range(0, 40, 4):
        make_coding(
            document=document,
            code=code,
            coder=members["owner"],
            start=start,
            end=start + 3,
        )
    access = ProjectAccess(
        project=project, user_id=members["owner"].pk, role=Role.OWNER
    )
    codings = filtered_codings(access, SegmentFilter())
    total = codings.count()
    calls = []

    def progress(rows: int) -> None:
        calls.append((rows, Coding.objects.filter(document=document).count()))

    text = "".join(
        iter_segment_csv(
            iter_segment_records(access, codings, chunk_size=3),
            project=project.name,
            attribute_names=attribute_names(access),
            progress=progress,
            progress_every=5,
        )
    )
    assert len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))) == total + 1
    assert [rows for rows, _count in calls] == [6, 12]  # after 5 and 10 rows
    assert all(count == total for _rows, count in calls)


def test_segment_records_page_through_a_document_in_order(project, members):
    """Keyset paging gives every coding once, in (start, end, id) order."""
    from coding.access import ProjectAccess
    from coding.segments import SegmentFilter, filtered_codings, iter_segment_records

    document = make_document(project=project, text="woord " * 50)
    codes = [make_code(project=project) for _ in range(3)]
    for i in range(20):
        for code in codes[: 1 + i % 3]:
            make_coding(
                document=document,
                code=code,
                coder=members["coder"],
                start=(i % 5) * 6,
                end=(i % 5) * 6 + 5 + i // 5,
            )
    access = ProjectAccess(
        project=project, user_id=members["owner"].pk, role=Role.OWNER
    )
    codings = filtered_codings(access, SegmentFilter())
    expected = list(
        codings.order_by("start", "end", "pk").values_list("start", "end", "code_id")
    )
    for chunk_size in (1, 2, 7, 1000):
        got = [
            (r[7], r[8], r[4])
            for r in iter_segment_records(access, codings, chunk_size=chunk_size)
        ]
        assert got == expected


def test_export_page_passes_several_chosen_codes(project, members, coded):
    _document, code, _mine, _theirs = coded
    response = client_for(members["supervisor"]).post(
        reverse("interop:export_start", args=[project.pk]),
        {
            "kind": "code_document_csv",
            "codes": [str(code.pk), str(code.parent_id)],
            "subcodes": ["0"],
        },
    )
    assert response.status_code == 302
    assert f"codes={code.pk}%2C{code.parent_id}" in response["Location"]
    assert "subcodes=0" in response["Location"]


def test_segment_csv_writes_what_the_user_guide_says(project, members, coded):
    """The consensus coder is ``consensus-<project id>`` and times carry the
    offset of the server's zone (Europe/Brussels), as docs/user-guide.md says:
    scripts that read these columns keep working."""
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from django.conf import settings

    from coding.access import ProjectAccess
    from coding.segments import SegmentFilter, filtered_codings, iter_segment_records
    from coding.services.team import consensus_user_for
    from interop.csv import iter_segment_csv

    document, code, _mine, _theirs = coded
    consensus = make_coding(
        document=document, code=code, coder=consensus_user_for(project), start=0, end=5
    )
    Coding.objects.filter(pk=consensus.pk).update(
        created_at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    )
    access = ProjectAccess(
        project=project, user_id=members["owner"].pk, role=Role.OWNER
    )
    text = "".join(
        iter_segment_csv(
            iter_segment_records(access, filtered_codings(access, SegmentFilter())),
            project=project.name,
            attribute_names=attribute_names(access),
        )
    )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    row = next(r for r in rows if r["coder"].startswith("consensus"))
    assert row["coder"] == f"consensus-{project.pk}"
    assert row["created"] == "2026-07-02T00:30:00+02:00"  # Brussels, summer time
    created = datetime.fromisoformat(row["created"])
    assert created.utcoffset() == timedelta(hours=2)
    guide = (Path(settings.BASE_DIR) / "docs" / "user-guide.md").read_text()
    assert "`consensus-<project id>` for the consensus layer" in guide
    assert "ISO 8601 times in the server's time zone (Europe/Brussels)" in guide
