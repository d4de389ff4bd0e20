"""The ``202`` answer of an upload a worker imports (documents, projects)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from coding.jobs.models import Job


def import_job_accepted(
    request: Request, job: Job, status_url: str, *, location: bool = True
) -> Response:
    """``202`` with where the import stands and the URL to ask until it is ``201``
    (also the ``Location`` header of the answer to the upload itself)."""
    url = request.build_absolute_uri(status_url)
    answer = {
        "id": job.pk,
        "status": job.status,
        "status_url": url,
        "waiting_for_worker": job.waiting_for_worker,
    }
    headers = {"Location": url} if location else None
    return Response(answer, status=status.HTTP_202_ACCEPTED, headers=headers)
