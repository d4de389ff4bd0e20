"""The one-page data summary for an ethics board (pure over its dataclass)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from coding.models import Coding, Membership, Project
from privacy.models import ReviewStatus
from privacy.selectors import DocumentStatus, document_statuses
from privacy.services.keytable import privacy_settings


@dataclass(frozen=True, slots=True)
class DataSummary:
    project: str
    transcripts: int
    codings: int
    members: list[tuple[str, str]]  # (user name, role)
    statuses: list[DocumentStatus]
    confirmed: int
    review_on_import: bool
    retention_until: str
    key_destroyed: bool
    key_place: str


def data_summary(project: Project) -> DataSummary:
    config = privacy_settings(project)
    statuses = document_statuses(project)
    members = [
        (m.user.get_username(), m.get_role_display())
        for m in Membership.objects.filter(project=project).select_related("user")
    ]
    return DataSummary(
        project=project.name,
        transcripts=len(statuses),
        codings=Coding.objects.filter(document__project=project).aggregate(
            n=Count("pk")
        )["n"],
        members=members,
        statuses=statuses,
        confirmed=sum(s.status == ReviewStatus.CONFIRMED for s in statuses),
        review_on_import=config.review_on_import,
        retention_until=config.retention_until.isoformat()
        if config.retention_until
        else "",
        key_destroyed=config.key_destroyed,
        key_place=_("the REGIE_PSEUDONYM_KEY environment variable or %(file)s")
        % {"file": str(settings.VAR_DIR / "pseudonym.key")},
    )


def summary_markdown(summary: DataSummary) -> str:
    """The summary as Markdown (for a download attached to an ethics application)."""
    status_names = {
        "awaiting": _("awaiting review"),
        "confirmed": _("pseudonymised"),
        "": _("not reviewed"),
    }
    lines = [
        f"# {_('Data summary')}: {summary.project}",
        "",
        f"## {_('What is stored')}",
        "",
        _("- %(n)s transcripts (text, speaker turns, title, source file name)")
        % {"n": summary.transcripts},
        _("- %(n)s codings (spans, codes, memos) and the audit trail")
        % {"n": summary.codings},
        _("- an access log of who opened which transcript"),
        "",
        f"## {_('Where')}",
        "",
        _(
            "- the PostgreSQL database of this Regie installation; export files under its var/ folder"
        ),
        _(
            "- the key table (original → pseudonym) encrypted with a key kept outside the database: %(place)s"
        )
        % {"place": summary.key_place},
        _("- key destroyed: %(yes)s")
        % {"yes": _("yes") if summary.key_destroyed else _("no")},
        "",
        f"## {_('Who has access')}",
        "",
        *[f"- {name} ({role})" for name, role in summary.members],
        "",
        f"## {_('Pseudonymisation')}",
        "",
        _("- review after import: %(on)s")
        % {"on": _("yes") if summary.review_on_import else _("no")},
        _("- retention until: %(date)s") % {"date": summary.retention_until or "—"},
        _("- %(done)s of %(all)s transcripts pseudonymised")
        % {"done": summary.confirmed, "all": summary.transcripts},
        "",
        *[
            f"- {s.title}: {status_names.get(s.status, s.status)}"
            for s in summary.statuses
        ],
        "",
    ]
    return "\n".join(lines)
