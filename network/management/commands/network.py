"""``python manage.py network PROJECT_ID [--json | --format gexf|graphml|csv] [filters]``.

Prints what ``GET /api/v1/projects/{id}/network/`` returns (``--json``), an export, or
by default a short table of the actors' measures and the gatekeeper sentence. The
network is built in this process when no up-to-date stored one exists.
"""

from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.access import ProjectAccess
from coding.models import Project, Role
from network import graph
from network.filters import network_scope
from network.forms import NetworkFiltersForm
from network.selectors import (
    network_changed_at,
    network_payload,
    snapshot_summary,
    stored_network,
)
from network.services import (
    network_build,
    network_setup,
    network_snapshot_get_or_create,
)


class Command(BaseCommand):
    help = "Build (if needed) and print a project's actor network."

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument(
            "--json", action="store_true", help="Print the API's JSON answer."
        )
        parser.add_argument(
            "--format",
            choices=["gexf", "graphml", "csv", "csv-nodes"],
            help="Print an export instead (csv: ties, csv-nodes: actors).",
        )
        parser.add_argument(
            "--out", default="-", help="File to write; - for standard output."
        )
        parser.add_argument(
            "--as-user",
            help="Only the codings this member may see (blind coding); default: all.",
        )
        parser.add_argument("--flows", default="", help="material,knowledge,…")
        parser.add_argument(
            "--coders", default="", help="User ids or names, or consensus."
        )
        parser.add_argument("--documents", default="", help="Document ids.")
        parser.add_argument(
            "--attribute", action="append", default=[], help="name=value (repeatable)"
        )
        parser.add_argument(
            "--co-mentions",
            action="store_true",
            help="Add actors named in the same turn.",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="Build even if up to date."
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project_id']}.")
        access = self._access(project, options["as_user"])
        network_setup(project=project)
        params = {
            "flows": options["flows"],
            "coders": options["coders"],
            "documents": options["documents"],
            "attribute": options["attribute"],
            "co_mentions": options["co_mentions"],
        }
        try:
            filters = NetworkFiltersForm(params, project=project).filters()
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        snapshot, _created = network_snapshot_get_or_create(
            project=project, scope=network_scope(access), filters=filters
        )
        changed = network_changed_at(project_id=project.pk, scope=snapshot.scope)
        if (
            options["rebuild"]
            or snapshot.badge(up_to_date=snapshot.built_since(changed)) != "fresh"
        ):
            snapshot = network_build(snapshot_id=snapshot.pk)
        text = self._render(snapshot, changed, options)
        if options["out"] == "-":
            sys.stdout.write(text)
            return
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(
            options["out"], mode, **({} if mode == "wb" else {"encoding": "utf-8"})
        ) as handle:
            handle.write(text)
        self.stderr.write(f"written to {options['out']}")

    def _access(self, project: Project, username: str | None) -> ProjectAccess:
        if not username:
            return ProjectAccess(project=project, user_id=0, role=Role.OWNER)
        user = get_user_model().objects.filter(username=username).first()
        membership = user and project.memberships.filter(user=user).first()
        if membership is None:
            raise CommandError(f"{username} is not a member of this project.")
        return ProjectAccess(
            project=project, user_id=user.pk, role=Role(membership.role)
        )

    def _render(self, snapshot, changed, options):
        if options["json"]:
            payload = network_payload(snapshot, changed_at=changed)
            return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        if options["format"]:
            stored = stored_network(snapshot)
            if options["format"] == "gexf":
                return graph.to_gexf(stored.graph, metrics=stored.metrics).decode(
                    "utf-8"
                )
            if options["format"] == "graphml":
                return graph.to_graphml(stored.graph, metrics=stored.metrics).decode(
                    "utf-8"
                )
            if options["format"] == "csv-nodes":
                return graph.nodes_csv(stored.graph, metrics=stored.metrics, bom=False)
            return graph.edges_csv(stored.graph, bom=False)
        return self._text(snapshot)

    def _text(self, snapshot) -> str:
        """The summary and the actors by betweenness, as a plain-text table."""
        summary = snapshot_summary(snapshot)
        lines = [
            f"{summary.nodes} actors, {summary.edges} ties from "
            f"{summary.relation_codings} relation codings; density "
            f"{summary.density:.3f}, {summary.weak_components} component(s).",
            summary.gatekeeper_sentence,
            "",
            f"{'actor':<40} {'degree':>6} {'in':>4} {'out':>4} {'betweenness':>12} {'closeness':>10}",
        ]
        stored = stored_network(snapshot, evidence=False)
        by_actor = {m.actor_id: m for m in stored.metrics}
        actors = sorted(stored.actors.values(), key=lambda a: a.pk)
        for actor in sorted(
            actors, key=lambda a: -_measure(by_actor, a, "betweenness")
        ):
            degree, in_degree, out_degree = (
                int(_measure(by_actor, actor, name))
                for name in ("degree", "in_degree", "out_degree")
            )
            lines.append(
                f"{actor.name[:40]:<40} {degree:>6} {in_degree:>4} {out_degree:>4} "
                f"{_measure(by_actor, actor, 'betweenness'):>12.3f} "
                f"{_measure(by_actor, actor, 'closeness'):>10.3f}"
            )
        return "\n".join(lines) + "\n"


def _measure(by_actor: dict, actor, name: str) -> float:
    """An actor's measure, 0 where it has none (not measured, or ``None``)."""
    metrics = by_actor.get(actor.pk)
    return (getattr(metrics, name) if metrics else None) or 0.0
