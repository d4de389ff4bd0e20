"""Time the streamed exports: CSV of 1,000,000 codings, Excel of 100,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regie .venv/bin/python bench/export.py

PostgreSQL only. Builds a throw-away project (100 transcripts made of the demo
interviews, 3 coders, the regie codebook, case attributes) and inserts the codings
with COPY (bench only: no services, no audit trail). Each measurement then runs in a
fresh Python process, so its memory figures are its own:

* CSV: the path of ``GET /api/v1/projects/{id}/export/segments.csv`` (``filtered_codings``
  → ``iter_segment_records`` → ``iter_segment_csv``) consumed as a client would, with
  rows/s and the process's resident memory (VmRSS, and the peak VmHWM) at 100k, 500k
  and 1M rows (counted by the progress callback an export job uses);
* XLSX: the workbook of the export page (segments sheet of 100,000 codings plus
  codebook, cases and frequencies sheets) written to a temporary file.

Options: ``--codings N`` (default 1,000,000), ``--xlsx-rows N`` (100,000),
``--keep`` (leave the project for another run; ``--project ID`` reuses it),
``--distinct-times`` (every coding its own time stamps, 7 s apart, and one in five
updated later, as real codings have; by default all share one).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from coding.access import ProjectAccess  # noqa: E402
from coding.demo.loader import DATA_DIR  # noqa: E402
from coding.models import Code, Document, Project, Role  # noqa: E402

DOCUMENTS = 100
CODERS = 3
SEED = 20240601
CHECKPOINTS = (100_000, 500_000, 1_000_000)


def memory() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MiB."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount = line.split(":")
                values[key] = int(amount.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def transcript() -> str:
    return "\n\n".join(
        path.read_text(encoding="utf-8") for path in sorted(DATA_DIR.glob("*.txt"))
    )


def build(n_codings: int, distinct_times: bool = False) -> int:
    from coding.services.documents import case_get_or_create, document_create_from_text
    from coding.services.projects import membership_set, project_create

    User = get_user_model()
    owner, _ = User.objects.get_or_create(username="bench-export")
    coders = []
    for number in range(CODERS):
        user, _ = User.objects.get_or_create(username=f"bench-export-coder{number}")
        coders.append(user)
    project = project_create(name="bench: exports", owner=owner, codebook="regie")
    for user in coders:
        membership_set(project=project, username=user.username, role=Role.CODER)
    text = transcript()
    cases = [
        case_get_or_create(
            project=project,
            label=f"R{number:02d}",
            attributes={"niveau": ("stad", "middenveld")[number % 2], "regio": "M"},
        )
        for number in range(10)
    ]
    documents = [
        document_create_from_text(
            project=project,
            title=f"Interview {number:03d}",
            text=text,
            user=owner,
            case=cases[number % len(cases)],
        )
        for number in range(DOCUMENTS)
    ]
    codes = list(Code.objects.filter(project=project).values_list("pk", flat=True))
    rng = random.Random(SEED)
    per_document = n_codings // DOCUMENTS
    length = documents[0].length
    now = datetime.now(UTC)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        columns = (
            'document_id, code_id, coder_id, start, "end", memo, word_count, '
            "revision, created_at, updated_at"
        )
        with cursor.cursor.copy(f"COPY coding_coding ({columns}) FROM STDIN") as copy:
            for document in documents:
                seen: set[tuple[int, int, int, int]] = set()
                while len(seen) < per_document:
                    start = rng.randrange(0, length - 400)
                    key = (
                        rng.choice(codes),
                        coders[rng.randrange(CODERS)].pk,
                        start,
                        start + rng.randrange(20, 400),
                    )
                    if key in seen:
                        continue
                    seen.add(key)
                    code, coder, start, end = key
                    memo = "=memo" if rng.random() < 0.05 else ""
                    created = updated = now
                    if distinct_times:
                        created = now - timedelta(seconds=7.123457 * len(seen))
                        created -= timedelta(hours=24 * document.pk)
                        if len(seen) % 5 == 0:
                            updated = created + timedelta(hours=3, seconds=0.5)
                        else:
                            updated = created
                    copy.write_row(
                        (
                            document.pk,
                            code,
                            coder,
                            start,
                            end,
                            memo,
                            10,
                            1,
                            created,
                            updated,
                        )
                    )
    print(
        f"inserted {per_document * DOCUMENTS:,} codings with COPY in "
        f"{time.perf_counter() - started:.0f} s"
    )
    with connection.cursor() as cursor:
        # What autovacuum does soon after on a server that has it on.
        cursor.execute("ANALYZE coding_coding")
        cursor.execute("ANALYZE coding_document")
    return project.pk


def _access(project_id: int) -> ProjectAccess:
    project = Project.objects.get(pk=project_id)
    owner = project.memberships.get(role=Role.OWNER).user
    return ProjectAccess(project=project, user_id=owner.pk, role=Role.OWNER)


def measure_csv(project_id: int) -> None:
    from coding.segments import (
        SegmentFilter,
        attribute_names,
        filtered_codings,
        iter_segment_records,
    )
    from interop.csv import iter_segment_csv

    access = _access(project_id)
    rss, hwm = memory()
    print(f"  before: RSS {rss:.0f} MiB (peak {hwm:.0f} MiB)")
    codings = filtered_codings(access, SegmentFilter())
    checkpoints = list(CHECKPOINTS)
    count = 0
    started = time.perf_counter()

    def counted(rows: int) -> None:
        nonlocal count
        count = rows
        while checkpoints and count >= checkpoints[0]:
            checkpoints.pop(0)
            elapsed = time.perf_counter() - started
            rss, hwm = memory()
            print(
                f"  {count:>9,} rows: {elapsed:6.1f} s, "
                f"{count / elapsed:9,.0f} rows/s, "
                f"RSS {rss:.0f} MiB (peak {hwm:.0f} MiB)"
            )

    # What GET .../export/segments.csv streams (coding/api/exports.py); rows are
    # counted by the progress callback a job uses, between chunks.
    chunks = iter_segment_csv(
        iter_segment_records(access, codings),
        project=access.project.name,
        attribute_names=attribute_names(access),
        delimiter=";",
        progress=counted,
        progress_every=10_000,
    )
    size = 0
    first_byte = None
    for chunk in chunks:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    elapsed = time.perf_counter() - started
    rss, hwm = memory()
    print(
        f"  total {count:,} rows, {size / 1024**2:,.0f} MiB of CSV in {elapsed:.1f} s: "
        f"{count / elapsed:,.0f} rows/s; first bytes after {first_byte:.2f} s; "
        f"RSS {rss:.0f} MiB, peak {hwm:.0f} MiB"
    )


def measure_xlsx(project_id: int, rows_wanted: int) -> None:
    from coding.segments import SegmentFilter
    from interop.services.exports import write_workbook

    access = _access(project_id)
    documents = list(
        Document.objects.filter(project_id=project_id)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    per_document = (
        access.visible_codings().filter(document_id=documents[0]).count() or 1
    )
    chosen = tuple(documents[: max(1, -(-rows_wanted // per_document))])
    segment_filter = SegmentFilter(documents=chosen)
    rss, hwm = memory()
    print(f"  before: RSS {rss:.0f} MiB (peak {hwm:.0f} MiB)")
    checkpoints = [rows_wanted // 10, rows_wanted // 2, rows_wanted]
    started = time.perf_counter()

    def progress(done: int) -> None:
        if checkpoints and done >= checkpoints[0]:
            checkpoints.pop(0)
            elapsed = time.perf_counter() - started
            rss, hwm = memory()
            print(
                f"  {done:>9,} rows: {elapsed:6.1f} s, {done / elapsed:9,.0f} rows/s, "
                f"RSS {rss:.0f} MiB (peak {hwm:.0f} MiB)"
            )

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        report = write_workbook(
            access, segment_filter, handle, progress=progress, progress_every=1000
        )
        elapsed = time.perf_counter() - started
        size = os.path.getsize(handle.name)
    rss, hwm = memory()
    segments = sum(n for title, n in report.rows.items() if title.startswith("segm"))
    print(
        f"  total {segments:,} segment rows ({sum(report.rows.values()):,} rows in all "
        f"sheets), {size / 1024**2:,.1f} MiB xlsx in {elapsed:.1f} s: "
        f"{segments / elapsed:,.0f} rows/s; RSS {rss:.0f} MiB, peak {hwm:.0f} MiB"
    )


def remove(project_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM coding_coding WHERE document_id IN "
            "(SELECT id FROM coding_document WHERE project_id = %s)",
            [project_id],
        )
    Project.objects.filter(pk=project_id).delete()


def run(step: str, project_id: int, extra: list[str]) -> None:
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--step",
            step,
            "--project",
            str(project_id),
            *extra,
        ],
        check=True,
        cwd=ROOT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--project", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--distinct-times", action="store_true")
    parser.add_argument("--step", choices=["csv", "xlsx"])
    options = parser.parse_args()
    if options.step == "csv":
        measure_csv(options.project)
        return
    if options.step == "xlsx":
        measure_xlsx(options.project, options.xlsx_rows)
        return
    project_id = options.project or build(options.codings, options.distinct_times)
    try:
        print(f"database: {connection.vendor}, project {project_id}")
        print("CSV (segments.csv path, ';' separated, streamed):")
        run("csv", project_id, [])
        print(f"XLSX (export page workbook, {options.xlsx_rows:,} segment rows):")
        run("xlsx", project_id, ["--xlsx-rows", str(options.xlsx_rows)])
    finally:
        if not options.keep:
            remove(project_id)


if __name__ == "__main__":
    main()
