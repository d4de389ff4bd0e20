"""Celery tasks of the analysis app: thin interfaces that run one job by id through
the job machinery (``coding.jobs.services.job_run``: claim once, heartbeat, outcome).
A job that is gone or already taken is logged and left alone."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

from analysis.models import AnalysisResult, AnalysisState, AutoCodeRun
from analysis.services.autocode import autocode_work
from analysis.services.frequencies import frequencies_work
from analysis.services.results import analysis_work
from coding.jobs.services import job_run
from coding.tasks import job_options

logger = get_task_logger(__name__)


@shared_task(**job_options(time_limit=660))
def recompute_code_frequencies(*, state_id: int) -> None:
    """A project's code frequencies (its ``AnalysisState``)."""
    job_run(AnalysisState, state_id, frequencies_work)


@shared_task(**job_options(time_limit=660))
def compute_analysis_result(*, result_id: int) -> None:
    """Word frequencies, mentions, co-occurrence, matrix or an auto-code preview."""
    job_run(AnalysisResult, result_id, analysis_work)


@shared_task(**job_options(time_limit=660))
def run_autocode(*, run_id: int) -> None:
    job_run(AutoCodeRun, run_id, autocode_work)
