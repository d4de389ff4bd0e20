"""Who may export what; the export page's direct downloads and background jobs."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from coding.models import (
    Role,
)
from interop.models import ExportJob
from interop.refi import read_qdpx
from tests.conftest import client_for
from tests.interop.helpers import (
    _remove_written_files,  # noqa: F401 (autouse)
    api,
    body,
    csv_rows,
    fixture,
)

pytestmark = pytest.mark.django_db


# Who may export what
# ---------------------------------------------------------------------------

ROLE_STATUS = {
    # path, then the answer for owner, supervisor, coder, viewer, outsider
    "export/segments.xlsx": (200, 200, 200, 200, 404),
    "export/codebook.qdc": (200, 200, 200, 200, 404),
    "export/codebook.csv": (200, 200, 200, 200, 404),
    "export/cases.csv": (200, 200, 200, 200, 404),
    "export/code-documents.csv": (200, 200, 200, 200, 404),
    "export/project.qdpx": (200, 200, 403, 403, 404),
    "export/project.qdpx?full=1": (200, 403, 403, 403, 404),
}
ROLES = ("owner", "supervisor", "coder", "viewer", "outsider")


@pytest.mark.parametrize("path", sorted(ROLE_STATUS))
def test_export_access_per_role(project, members, coded, path):
    for role, expected in zip(ROLES, ROLE_STATUS[path], strict=True):
        response = api(members[role]).get(f"/api/v1/projects/{project.pk}/{path}")
        assert response.status_code == expected, (role, path)


def test_project_export_of_a_supervisor_holds_everyone(project, members, coded):
    refi = read_qdpx(
        body(
            api(members["supervisor"]).get(
                f"/api/v1/projects/{project.pk}/export/project.qdpx"
            )
        )
    )
    users = {u.guid: u.name for u in refi.users}
    coders = {
        users[c.user_guid]
        for s in refi.sources
        for sel in s.selections
        for c in sel.codings
    }
    assert coders == {members["coder"].username, members["coder2"].username}
    memos = {sel.description for s in refi.sources for sel in s.selections}
    assert "=SOM(A1)" in memos


def test_codebook_import_access_per_role(project, members):
    for role, expected in zip(ROLES, (200, 200, 403, 403, 404), strict=True):
        data = io.BytesIO(fixture("taguette.qdc"))
        data.name = "t.qdc"
        response = api(members[role]).post(
            f"/api/v1/projects/{project.pk}/codebook/import/",
            {"file": data},
            format="multipart",
        )
        assert response.status_code == expected, role


def test_export_page_offers_each_role_its_kinds(project, members):
    url = reverse("interop:export", args=[project.pk])
    pages = {role: client_for(members[role]).get(url) for role in ROLES}
    assert pages["outsider"].status_code == 404
    for role in ("owner", "supervisor", "coder", "viewer"):
        assert pages[role].status_code == 200
    assert 'value="backup"' in pages["owner"].content.decode()
    assert 'value="backup"' not in pages["supervisor"].content.decode()
    assert 'value="project_qdpx"' in pages["supervisor"].content.decode()
    assert 'value="project_qdpx"' not in pages["coder"].content.decode()
    assert 'value="segments_xlsx"' in pages["viewer"].content.decode()
    response = client_for(members["coder"]).post(
        reverse("interop:export_start", args=[project.pk]), {"kind": "backup"}
    )
    assert response.status_code == 403


def test_project_page_links_to_the_export_page(project, members):
    html = client_for(members["coder"]).get(project.get_absolute_url()).content.decode()
    assert reverse("interop:export", args=[project.pk]) in html
    assert reverse("api-export-segments-csv", args=[project.pk]) in html


# ---------------------------------------------------------------------------
# The export page: direct downloads and background jobs
# ---------------------------------------------------------------------------


def test_small_exports_download_at_once(project, members, coded):
    client = client_for(members["coder"])
    url = reverse("interop:export_start", args=[project.pk])
    response = client.post(
        url, {"kind": "segments_csv", "delimiter": ";", "bom": "1", "codes": ""}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("api-export-segments-csv", args=[project.pk])
    )
    rows = csv_rows(client.get(response["Location"]), delimiter=";")
    assert len(rows) == 2  # header + the coder's own coding
    response = client.post(
        url, {"kind": "segments_xlsx"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(
        reverse("api-export-segments-xlsx", args=[project.pk])
    )
    response = client.post(url, {"kind": "segments_csv", "delimiter": "|"})
    assert response.status_code == 400
    assert "separator" in response.content.decode()
    response = client.post(
        url, {"kind": "segments_csv", "delimiter": "|"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400  # htmx swaps 4xx answers (htmx-config.js)
    assert 'id="export-result"' in response.content.decode()
    response = client.post(url, {"kind": "backup"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="export-result"' in html
    assert "can manage its members" in html


def test_direct_downloads_carry_only_the_options_they_use(project, members, coded):
    """The form sends filters and CSV options for every kind; the address a member
    downloads from holds only those of the kind chosen, each once."""
    client = client_for(members["owner"])
    url = reverse("interop:export_start", args=[project.pk])
    form = {
        "delimiter": ";",
        "bom": ["0", "1"],  # the hidden "0" before a ticked box
        "subcodes": ["0", "1"],
        "match": "any",
        "text": "stad",
    }
    location = client.post(url, {**form, "kind": "segments_csv"})["Location"]
    assert location.endswith("?text=stad&match=any&subcodes=1&delimiter=%3B&bom=1")
    location = client.post(url, {**form, "kind": "codebook_csv"})["Location"]
    assert location.endswith("codebook.csv?delimiter=%3B&bom=1")
    location = client.post(url, {**form, "kind": "codebook_qdc"})["Location"]
    assert location.endswith("codebook.qdc")
    location = client.post(url, {**form, "kind": "backup", "bom": "0"})["Location"]
    assert location.endswith("project.qdpx?full=1")
    response = client.post(url, {**form, "kind": "segments_csv", "bom": ["1", "0"]})
    rows = client.get(response["Location"])
    assert not body(rows).startswith(b"\xef\xbb\xbf")  # unticked: no BOM


def test_large_exports_become_a_job_with_progress_and_a_download(
    project,
    members,
    coded,
    monkeypatch,
    celery_messages,
    django_capture_on_commit_callbacks,
):
    import interop.services.exports as exports
    from interop.tasks import run_export_job

    monkeypatch.setattr(exports, "BACKGROUND_SECONDS", -1)
    client = client_for(members["coder"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interop:export_start", args=[project.pk]),
            {"kind": "segments_xlsx"},
            headers={"HX-Request": "true"},
        )
    job = ExportJob.objects.get(project=project)
    assert celery_messages() == [("interop.tasks.run_export_job", {"job_id": job.pk})]
    html = response.content.decode()
    assert f'id="job-{job.pk}"' in html
    assert "every 2s" in html  # the badge polls while the job waits
    status_url = reverse("interop:export_job_status", args=[project.pk, job.pk])
    run_export_job(job_id=job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == "done"
    assert job.total == 1
    html = client.get(status_url).content.decode()
    assert "every 2s" not in html
    download = reverse("interop:export_download", args=[project.pk, job.pk])
    assert download in html
    response = client.get(download)
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(body(response)))["segments"].values)
    assert len(rows) == 2  # the coder's own coding only
    # Only the member who asked may see or download it.
    assert client_for(members["supervisor"]).get(download).status_code == 404
    assert client_for(members["supervisor"]).get(status_url).status_code == 404


def test_a_job_without_a_broker_stays_queued_and_is_sent_again(
    project,
    members,
    coded,
    monkeypatch,
    broker_down,
    request,
    django_capture_on_commit_callbacks,
):
    """No broker answers: the job is kept (queued, unsent), the page says so, and
    the reaper sends it once a broker is back (it used to fail the job)."""
    from datetime import timedelta

    from django.utils import timezone

    import interop.services.exports as exports
    from coding.jobs.services import RESEND_AFTER, jobs_reap

    monkeypatch.setattr(exports, "BACKGROUND_SECONDS", -1)
    client = client_for(members["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("interop:export_start", args=[project.pk]), {"kind": "backup"}
        )
    job = ExportJob.objects.get(project=project)
    assert (job.status, job.unsent, job.error) == ("queued", True, "")
    html = client.get(
        reverse("interop:export_job_status", args=[project.pk, job.pk])
    ).content.decode()
    assert "No worker can be reached right now" in html
    assert "every 2s" in html  # it keeps polling: a worker may come up
    celery_messages = request.getfixturevalue("celery_messages")  # a broker again
    ExportJob.objects.filter(pk=job.pk).update(
        sent_at=timezone.now() - RESEND_AFTER - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[ExportJob]) == 1
    assert celery_messages() == [("interop.tasks.run_export_job", {"job_id": job.pk})]
    job.refresh_from_db()
    assert (job.status, job.unsent) == ("queued", False)


def test_a_job_of_someone_who_left_the_project_fails(project, members, coded):
    from coding.access import ProjectAccess
    from interop.services.exports import export_request
    from interop.tasks import run_export_job

    owner = members["owner"]
    access = ProjectAccess(project=project, user_id=owner.pk, role=Role.OWNER)
    job = ExportJob.objects.create(
        project=project, requested_by=members["supervisor"], kind="backup"
    )
    assert export_request(access, "backup").kind == "backup"
    run_export_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "no longer" in job.error


def test_a_job_left_waiting_says_the_worker_may_be_down(
    project, members, coded, celery_messages
):
    from datetime import timedelta

    from django.utils import timezone

    job = ExportJob.objects.create(
        project=project, requested_by=members["owner"], kind="segments_csv"
    )
    url = reverse("interop:export_job_status", args=[project.pk, job.pk])
    client = client_for(members["owner"])
    no_worker = "No worker can be reached right now"
    assert no_worker not in client.get(url).content.decode()
    ExportJob.objects.filter(pk=job.pk).update(
        requested_at=timezone.now() - timedelta(minutes=5)
    )
    html = client.get(url).content.decode()
    assert no_worker in html
    assert "every 2s" in html  # it keeps polling: the worker may come up


def test_a_job_message_delivered_twice_writes_it_once(
    project, members, coded, celery_messages, django_capture_on_commit_callbacks
):
    """A resend by the reaper and the original message may both arrive: the
    second finds the job taken (or done) and leaves it as it is."""
    from datetime import timedelta

    from django.utils import timezone

    from coding.jobs.services import dead_after, jobs_reap
    from interop.tasks import run_export_job

    def run() -> ExportJob:
        run_export_job(job_id=job.pk)
        return ExportJob.objects.get(pk=job.pk)

    job = ExportJob.objects.create(
        project=project, requested_by=members["owner"], kind="segments_csv"
    )
    job = run()
    finished = job.finished_at
    assert job.status == "done"
    again = run()
    assert (again.status, again.finished_at) == ("done", finished)
    # A running job is another worker's, unless its heartbeat stopped.
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[ExportJob]) == 0
    assert run().status == "running"
    ExportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dead_after() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap(models=[ExportJob]) == 1
    assert celery_messages() == [("interop.tasks.run_export_job", {"job_id": job.pk})]
    assert run().status == "done"


# ---------------------------------------------------------------------------
