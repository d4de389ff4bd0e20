"""The network's part of the demo project (a ``DemoStep``, see ``network.hooks``)."""

from __future__ import annotations

import json

from django.db import transaction

from coding.demo.loader import demo_files, find_quote
from coding.models import Coding, Document, Project
from network.models import Actor, FlowType, Relation
from network.services.actors import network_setup, network_touch
from network.services.relations import RelationSpec, relation_row


@transaction.atomic
def network_demo_load(*, project: Project, users: dict) -> int:
    """Actors and flow types from the codebook, and the demo's relation fields.

    Every demo coding entry with ``"relation"`` (see ``coding/demo/data``) gives each
    of its coders' codings the relation; returns how many relations were added.
    """
    network_setup(project=project)
    actors = {a.name: a for a in Actor.objects.filter(project=project)}
    flows = {f.code.name: f for f in FlowType.objects.filter(project=project)}
    documents = {d.title: d for d in Document.objects.filter(project=project)}
    rows = []
    for transcript, spec_path in demo_files():
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        document = documents[spec["title"]]
        for entry in spec["codings"]:
            fields = entry.get("relation")
            if not fields:
                continue
            flow = flows[entry["code"]]
            quotes = entry.get("quotes") or dict.fromkeys(
                entry["coders"], entry["quote"]
            )
            for coder, quote in quotes.items():
                start, end = find_quote(
                    document.text, quote, entry.get("nth", 1), transcript.name
                )
                coding = Coding.objects.get(
                    document=document,
                    code=flow.code,
                    coder=users[coder],
                    start=start,
                    end=end,
                )
                rows.append(
                    relation_row(
                        coding,
                        RelationSpec(
                            flow=flow,
                            source_actor=actors[fields["source"]],
                            target_actor=actors[fields["target"]],
                            mutual=fields.get("mutual", False),
                            occasional=fields.get("occasional", False),
                        ),
                    )
                )
    Relation.objects.bulk_create(rows)
    network_touch(project_id=project.pk)
    return len(rows)
