"""Celery tasks of the actor network: thin interfaces that load by id, call one service."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

from coding.tasks import job_options

logger = get_task_logger(__name__)


@shared_task(**job_options(time_limit=660))
def network_rebuild(*, snapshot_id: int) -> None:
    """Build a stored network (idempotent: its results are replaced as a whole).

    ``job_run`` claims the snapshot (a message delivered twice builds once), beats
    while it builds and records the outcome; the reaper resends it if this worker
    dies (``coding.jobs``).
    """
    from coding.jobs.services import job_run
    from network.models import NetworkSnapshot
    from network.services import network_build_work

    if not NetworkSnapshot.objects.filter(pk=snapshot_id).exists():
        logger.info("network snapshot %s is gone; nothing to build", snapshot_id)
        return
    snapshot = job_run(NetworkSnapshot, snapshot_id, network_build_work)
    if snapshot is None:
        logger.info("network snapshot %s: not queued, nothing to do", snapshot_id)
        return
    logger.info(
        "network %s of project %s: %s, %s ties in %.2f s",
        snapshot_id,
        snapshot.project_id,
        snapshot.status,
        snapshot.summary.get("edges"),
        snapshot.seconds or 0.0,
    )
