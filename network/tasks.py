"""Celery tasks of the actor network: thin interfaces that load by id, call one service."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger

from coding.tasks import job_options

logger = get_task_logger(__name__)


@shared_task(**job_options(time_limit=660))
def network_rebuild(*, snapshot_id: int) -> None:
    """Compute a stored network (idempotent: its results are replaced as a whole)."""
    from network.services import network_build

    try:
        snapshot = network_build(snapshot_id=snapshot_id)
    except SoftTimeLimitExceeded:
        logger.warning("network %s took too long and was stopped", snapshot_id)
        return
    if snapshot is None:
        logger.info("network snapshot %s is gone; nothing to build", snapshot_id)
        return
    logger.info(
        "network %s of project %s: %s ties in %.2f s",
        snapshot_id,
        snapshot.project_id,
        snapshot.summary.get("edges"),
        snapshot.seconds or 0.0,
    )
