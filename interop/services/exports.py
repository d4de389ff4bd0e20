"""Exports of every kind, in the foreground (small) or as a worker's job (large).

One place decides for every surface (export page, API, commands, worker):

* who may export what (``EXPORT_NEEDS``, checked through ``access_project``):
  segments, codebook, cases and counts are for every member (blind coding limits
  the codings a coder or viewer gets); a REFI-QDA project needs owner or
  supervisor, a full backup owner (it holds roles and the whole audit trail);
* how a kind is written to a file (``write_export``);
* whether it runs in the request or as an ``ExportJob`` (``runs_in_background``:
  when the estimated time passes ``BACKGROUND_SECONDS``).

Jobs: ``export_job_create`` records the job and queues ``interop.tasks.run_export_job``
after commit (``coding.jobs``: claim once, heartbeat, resend when the worker died);
the task runs ``export_job_work``, which writes the file under
``REGIE_VAR_DIR/interop/exports/<job>/`` and reports progress on the job row that the
export page polls.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coding.access import Cap, ProjectAccess, access_project
from coding.codebook_csv import write_codebook_csv
from coding.exports import iter_csv
from coding.jobs.services import job_beat, job_enqueue, job_fail, job_finish
from coding.models import Code, Document
from coding.segments import (
    SegmentFilter,
    SegmentFilterForm,
    attribute_names,
    filtered_codings,
    iter_segment_records,
)
from coding.services.codebook import codebook_rows
from interop.csv import (
    iter_segment_cells,
    iter_segment_csv,
    segment_header,
)
from interop.models import PARTIAL_SUFFIX, ExportJob, ExportKind
from interop.refi import write_qdc, write_qdpx
from interop.selectors import (
    cases_table,
    code_document_table,
    codebook_table,
    frequency_table,
)
from interop.services.refi import codebook_to_refi, project_to_refi
from interop.xlsx import Sheet, XlsxReport, write_xlsx

logger = logging.getLogger(__name__)

EXPORT_NEEDS: dict[str, Cap] = {
    ExportKind.SEGMENTS_CSV: Cap.VIEW,
    ExportKind.SEGMENTS_XLSX: Cap.VIEW,
    ExportKind.CODEBOOK_CSV: Cap.VIEW,
    ExportKind.CODEBOOK_QDC: Cap.VIEW,
    ExportKind.CASES_CSV: Cap.VIEW,
    ExportKind.CODE_DOCUMENT_CSV: Cap.VIEW,
    ExportKind.PROJECT_QDPX: Cap.SUPERVISE,
    ExportKind.BACKUP: Cap.MANAGE_MEMBERS,
}
# Kinds whose rows follow the coded segments filters.
FILTERED_KINDS = {
    ExportKind.SEGMENTS_CSV,
    ExportKind.SEGMENTS_XLSX,
    ExportKind.CODE_DOCUMENT_CSV,
}
CSV_KINDS = {
    ExportKind.SEGMENTS_CSV,
    ExportKind.CODEBOOK_CSV,
    ExportKind.CASES_CSV,
    ExportKind.CODE_DOCUMENT_CSV,
}
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
FILE_SUFFIX = {
    ExportKind.SEGMENTS_CSV: "segments.csv",
    ExportKind.SEGMENTS_XLSX: "segments.xlsx",
    ExportKind.CODEBOOK_CSV: "codebook.csv",
    ExportKind.CODEBOOK_QDC: "codebook.qdc",
    ExportKind.CASES_CSV: "cases.csv",
    ExportKind.CODE_DOCUMENT_CSV: "code-documents.csv",
    ExportKind.PROJECT_QDPX: "project.qdpx",
    ExportKind.BACKUP: "backup.qdpx",
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "qdc": "application/xml",
    "qdpx": "application/zip",
}
# Codings per second each kind manages on the reference machine (docs/benchmarks.md:
# CSV and Excel measured, the REFI-QDA kinds rough); an export whose estimate
# exceeds BACKGROUND_SECONDS becomes a job with a progress badge.
ROWS_PER_SECOND = {
    ExportKind.SEGMENTS_CSV: 250_000,
    ExportKind.SEGMENTS_XLSX: 6_000,
    ExportKind.CODE_DOCUMENT_CSV: 1_000_000,
    ExportKind.PROJECT_QDPX: 10_000,
    ExportKind.BACKUP: 5_000,
}
BACKGROUND_SECONDS = 3.0
JOBS_KEPT_DAYS = 7


@dataclass(frozen=True)
class ExportRequest:
    """A validated export: the kind, the filter and the CSV options."""

    kind: str
    segment_filter: SegmentFilter
    delimiter: str = ","
    bom: bool = True
    params: Mapping[str, Any] | None = None  # as given, for a job to re-read

    @property
    def extension(self) -> str:
        return FILE_SUFFIX[self.kind].rsplit(".", 1)[1]


FILTER_KEYS = ("codes", "coders", "documents", "text", "memo", "match", "subcodes")


def export_params(params: Mapping) -> dict[str, Any]:
    """The export options of a query string or form as plain JSON data."""
    getlist = getattr(params, "getlist", None)
    attributes = getlist("attribute") if getlist else params.get("attribute", [])
    if isinstance(attributes, str):
        attributes = [attributes]
    data: dict[str, Any] = {}
    for key in FILTER_KEYS:
        # A form's multiple choice sends a key several times; the API joins by ",".
        values = getlist(key) if getlist else [params.get(key)]
        joined = ",".join(str(v) for v in values if v not in (None, ""))
        if joined:
            data[key] = joined
    data["attribute"] = [a for a in attributes if a]
    for key in ("delimiter", "bom"):
        if params.get(key) not in (None, ""):
            data[key] = str(params.get(key))
    return data


def export_request(
    access: ProjectAccess, kind: str, params: Mapping | None = None
) -> ExportRequest:
    """Validate kind, filters and options; ``ValidationError`` with readable messages."""
    if kind not in ExportKind.values:
        raise ValidationError({"kind": _("Choose what to export.")})
    data = export_params(params or {})
    delimiter = DELIMITERS.get(data.get("delimiter", ","))
    if delimiter is None:
        raise ValidationError({"delimiter": _("Use , or ; or tab as separator.")})
    segment_filter = (
        SegmentFilterForm(data, project_id=access.project.pk).segment_filter()
        if kind in FILTERED_KINDS
        else SegmentFilter()
    )
    if kind in FILTERED_KINDS:
        # Validates attribute names; the text search itself waits for the export.
        filtered_codings(access, replace(segment_filter, text=""))
    return ExportRequest(
        kind=kind,
        segment_filter=segment_filter,
        delimiter=delimiter,
        bom=data.get("bom", "1") not in {"0", "false", "no"},
        params=data,
    )


def access_export(user, project_id: int, kind: str) -> ProjectAccess:
    """The project, if ``user`` may make this kind of export (404/403 otherwise)."""
    return access_project(user, project_id, need=EXPORT_NEEDS.get(kind, Cap.VIEW))


def export_filename(access: ProjectAccess, kind: str) -> str:
    return f"{slugify(access.project.name) or 'project'}-{FILE_SUFFIX[kind]}"


def export_estimate(access: ProjectAccess, request: ExportRequest) -> int:
    """How many rows (codings) the export goes through; 0 for the small kinds."""
    if request.kind not in ROWS_PER_SECOND:
        return 0
    if request.kind in FILTERED_KINDS:
        return filtered_codings(access, request.segment_filter).count()
    return access.visible_codings().count()


def runs_in_background(access: ProjectAccess, request: ExportRequest) -> bool:
    rate = ROWS_PER_SECOND.get(request.kind)
    if rate is None:
        return False
    return export_estimate(access, request) / rate > BACKGROUND_SECONDS


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


def segment_csv_chunks(
    access: ProjectAccess,
    request: ExportRequest,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The coded segments as CSV text chunks (streamed)."""
    codings = filtered_codings(access, request.segment_filter)
    return iter_segment_csv(
        iter_segment_records(access, codings),
        project=access.project.name,
        attribute_names=attribute_names(access),
        delimiter=request.delimiter,
        bom=request.bom,
        progress=progress,
    )


def csv_chunks(
    access: ProjectAccess,
    request: ExportRequest,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Any CSV kind as text chunks."""
    if request.kind == ExportKind.SEGMENTS_CSV:
        return segment_csv_chunks(access, request, progress)
    if request.kind == ExportKind.CODEBOOK_CSV:
        buffer = io.StringIO()
        write_codebook_csv(
            codebook_rows(access.project), buffer, delimiter=request.delimiter
        )
        text = buffer.getvalue()
        return iter([("\ufeff" if request.bom else "") + text])
    if request.kind == ExportKind.CASES_CSV:
        table = cases_table(access)
    elif request.kind == ExportKind.CODE_DOCUMENT_CSV:
        table = code_document_table(
            access, filtered_codings(access, request.segment_filter)
        )
    else:
        raise ValueError(request.kind)
    return iter_csv(
        table.header, table.rows, delimiter=request.delimiter, bom=request.bom
    )


def _filter_lines(access: ProjectAccess, request: ExportRequest) -> list[str]:
    f = request.segment_filter
    lines = []
    if f.codes:
        lines.append(
            _("Codes: %(codes)s%(sub)s")
            % {
                "codes": ", ".join(
                    Code.objects.filter(pk__in=f.codes).values_list("name", flat=True)
                ),
                "sub": _(" (with sub-codes)") if f.include_subcodes else "",
            }
        )
    if f.documents:
        lines.append(
            _("Documents: %(titles)s")
            % {
                "titles": ", ".join(
                    Document.objects.filter(pk__in=f.documents).values_list(
                        "title", flat=True
                    )
                )
            }
        )
    if f.coders:
        lines.append(_("Coders: %(ids)s") % {"ids": ", ".join(map(str, f.coders))})
    for name, value in f.attributes:
        lines.append(
            _("Case attribute %(name)s = %(value)s") % {"name": name, "value": value}
        )
    if f.text:
        lines.append(_("Text contains: %(text)s") % {"text": f.text})
    if f.memo:
        lines.append(_("Memo contains: %(text)s") % {"text": f.memo})
    return lines


def write_workbook(
    access: ProjectAccess,
    segment_filter: SegmentFilter,
    out: IO[bytes] | str,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 10_000,
) -> XlsxReport:
    """The Excel workbook: segments, codebook, cases and frequencies sheets, notes."""
    names = attribute_names(access)
    codings = filtered_codings(access, segment_filter)
    codebook = codebook_table(access)
    cases = cases_table(access)
    frequencies = frequency_table(access, codings)
    sheets = [
        Sheet(
            "segments",
            segment_header(names),
            iter_segment_cells(
                iter_segment_records(access, codings),
                project=access.project.name,
                attribute_names=names,
            ),
        ),
        Sheet("codebook", codebook.header, codebook.rows),
        Sheet("cases", cases.header, cases.rows),
        Sheet("frequencies", frequencies.header, frequencies.rows),
    ]
    seen = (
        _("Everyone's codings.")
        if access.sees_all_codings
        else _("Only the codings you may see (blind coding).")
    )
    intro = [
        _("Project: %(name)s") % {"name": access.project.name},
        _("Exported: %(when)s")
        % {"when": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        seen,
        *(_filter_lines(access, ExportRequest("", segment_filter))),
        _(
            "Frequencies count each code's own codings among the exported ones, "
            "not those of its sub-codes."
        ),
    ]
    return write_xlsx(
        sheets,
        out,
        notes_intro=intro,
        progress=progress,
        progress_every=progress_every,
    )


def write_export(
    access: ProjectAccess,
    request: ExportRequest,
    out: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write one export to a binary file (what a job and the API downloads do)."""
    kind = request.kind
    if kind in CSV_KINDS:
        for chunk in csv_chunks(access, request, progress):
            out.write(chunk.encode("utf-8"))
    elif kind == ExportKind.SEGMENTS_XLSX:
        write_workbook(access, request.segment_filter, out, progress=progress)
    elif kind == ExportKind.CODEBOOK_QDC:
        codebook = codebook_to_refi(access.project)
        if not codebook.codes:
            raise ValidationError(
                _("The codebook is empty; a REFI-QDA codebook needs at least one code.")
            )
        out.write(write_qdc(codebook))
    elif kind == ExportKind.PROJECT_QDPX:
        out.write(write_qdpx(project_to_refi(access)))
    elif kind == ExportKind.BACKUP:
        from interop.services.backup import backup_write

        backup_write(project=access.project, out=out, progress=progress)
    else:
        raise ValueError(kind)


# ---------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------


def _remove_file(job: ExportJob) -> None:
    if job.file:
        try:
            job.file.storage.delete(job.file.name)
        except OSError:
            logger.warning("could not delete %s", job.file.name, exc_info=True)


def export_jobs_prune(*, project_id: int, user_id: int) -> None:
    """Forget a member's jobs (and files) older than ``JOBS_KEPT_DAYS``."""
    old = ExportJob.objects.filter(
        project_id=project_id,
        requested_by_id=user_id,
        requested_at__lt=timezone.now() - timedelta(days=JOBS_KEPT_DAYS),
    )
    for job in old:
        _remove_file(job)
    old.delete()


@transaction.atomic
def export_job_create(*, access: ProjectAccess, request: ExportRequest) -> ExportJob:
    """Record a job for ``access``'s member; a worker gets it after commit.

    When no broker answers, the job stays queued (``unsent``) and the reaper of
    ``coding.jobs`` sends it again: the page says no worker can be reached.
    """
    export_jobs_prune(project_id=access.project.pk, user_id=access.user_id)
    job = ExportJob.objects.create(
        project=access.project,
        requested_by_id=access.user_id,
        kind=request.kind,
        params=dict(request.params or {}),
        total=export_estimate(access, request),
        filename=export_filename(access, request.kind),
    )
    job_enqueue(job)
    return job


def export_job_work(job: ExportJob) -> None:
    """Write the job's file: what the worker runs under ``coding.jobs.services.job_run``.

    The member's access is checked again (someone removed from the project in the
    meantime gets nothing). Everything is written inside the job's folder: the file
    as ``<name>.<attempt>.part``, renamed when complete, and the writer's scratch
    files, so ``ExportJob.abandon`` can clean up after a worker that died.
    """
    job_beat(ExportJob, job.pk, progress=0)  # a job sent again starts over
    storage = job.file.storage
    name = f"{job.folder}/{job.filename or FILE_SUFFIX[job.kind]}"
    # One partial name per attempt: a worker taken for dead never writes over the next.
    partial = storage.path(f"{name}.{job.attempts}{PARTIAL_SUFFIX}")
    os.makedirs(os.path.dirname(partial), exist_ok=True)

    def progress(done: int) -> None:
        job_beat(ExportJob, job.pk, progress=done)

    try:
        with _scratch_files_in(os.path.dirname(partial)):
            _write_job_file(job, partial, progress)
    except Exception as error:
        if os.path.exists(partial):
            os.remove(partial)
        job_fail(job, _failure_message(job, error))
        return
    os.replace(partial, storage.path(name))
    job_finish(job, file=name, progress=max(job.total, 0))


def _write_job_file(job: ExportJob, path: str, progress: Callable[[int], None]) -> None:
    access = access_export(job.requested_by, job.project_id, job.kind)
    request = export_request(access, job.kind, job.params)
    with open(path, "wb") as out:
        write_export(access, request, out, progress=progress)


@contextmanager
def _scratch_files_in(folder: str) -> Iterator[None]:
    """Temporary files (openpyxl keeps each sheet in one until it saves) go in
    ``folder`` while the block runs. A worker runs one job at a time, so changing
    the process's ``tempfile.tempdir`` for that time touches nobody else."""
    previous = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        yield
    finally:
        tempfile.tempdir = previous


def _failure_message(job: ExportJob, error: Exception) -> str:
    """What the export page says about a failed job."""
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    if isinstance(error, PermissionDenied | Http404):
        return _("You may no longer make this export in this project.")
    logger.exception("export job %s failed", job.pk)
    return _("The export failed: %(error)s") % {"error": error}


def access_export_job(
    user, project_id: int, job_id: int
) -> tuple[ProjectAccess, ExportJob]:
    """A job of this project that ``user`` asked for (anyone else gets 404).

    Builds on ``access_project``: what a job holds depends on who asked for it
    (blind coding), so only they may see or download it.
    """
    access = access_project(user, project_id)
    job = ExportJob.objects.filter(
        pk=job_id, project_id=project_id, requested_by_id=user.pk
    ).first()
    if job is None:
        raise Http404
    return access, job
