"""REST API of the actor network. Every view starts from ``access_project``.

``GET /projects/{id}/network/`` answers JSON by default; ``format=gexf``,
``graphml`` or ``csv`` pick one of the renderers below through DRF's own
``URL_FORMAT_OVERRIDE`` (``format``), so the parameter names a renderer rather than
being refused as an unknown format suffix. Errors are always JSON.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.access import Cap, access_project
from coding.models import Code
from network import graph
from network.api import serializers as s
from network.filters import network_scope
from network.forms import NetworkFiltersForm
from network.models import Actor, FlowType
from network.selectors import network_changed_at, network_payload, stored_network
from network.services import (
    actor_create,
    actor_merge,
    network_build,
    network_setup,
    network_snapshot_get_or_create,
)


class ActorListView(APIView):
    @extend_schema(
        responses=s.ActorSerializer(many=True), summary="Actors of a project"
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        network_setup(project=access.project)
        actors = Actor.objects.filter(project=access.project).order_by("id")
        return Response(s.ActorSerializer(actors, many=True).data)

    @extend_schema(
        request=s.ActorCreateSerializer,
        responses={201: s.ActorSerializer},
        summary="Add an actor (creates its actor code)",
        description=(
            "The actor's code goes under `parent` (a code id), by default under the "
            "codebook's “Actoren” root, which is created when missing."
        ),
    )
    def post(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
        data = s.ActorCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent = None
        if values.get("parent") is not None:
            parent = Code.objects.filter(
                project=access.project, pk=values["parent"]
            ).first()
            if parent is None:
                raise ValidationError(
                    {
                        "parent": _("There is no code %(id)s in this project.")
                        % {"id": values["parent"]}
                    }
                )
        actor = actor_create(
            project=access.project,
            name=values["name"],
            kind=values["kind"],
            aliases=values.get("aliases", []),
            parent=parent,
            actor=request.user,
        )
        return Response(s.ActorSerializer(actor).data, status=status.HTTP_201_CREATED)


class ActorMergeView(APIView):
    @extend_schema(
        request=s.ActorMergeSerializer,
        responses=s.ActorMergeResultSerializer,
        summary="Merge an actor into another (relations and codings move along)",
    )
    def post(self, request: Request, project_id: int, actor_id: int) -> Response:
        access = access_project(request.user, project_id, need=Cap.EDIT_CODEBOOK)
        data = s.ActorMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actors = {
            a.pk: a
            for a in Actor.objects.filter(
                project=access.project, pk__in=[actor_id, data.validated_data["target"]]
            )
        }
        if actor_id not in actors:
            raise Http404
        target = actors.get(data.validated_data["target"])
        if target is None:
            raise ValidationError(
                {
                    "target": _("There is no actor %(id)s in this project.")
                    % {"id": data.validated_data["target"]}
                }
            )
        result = actor_merge(source=actors[actor_id], target=target, user=request.user)
        return Response(
            {
                "actor": s.ActorSerializer(result.actor).data,
                "moved": result.moved,
                "dropped": result.dropped,
            }
        )


class FlowTypeListView(APIView):
    @extend_schema(
        responses=s.FlowTypeSerializer(many=True),
        summary="Relation (flow) types of a project",
        description="Use a flow type's `key` as `flow` when posting relation codings.",
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        network_setup(project=access.project)
        flows = FlowType.objects.filter(project=access.project)
        return Response(s.FlowTypeSerializer(flows, many=True).data)


class _FileRenderer(BaseRenderer):
    """Passes a finished export (bytes or text) through unchanged."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("utf-8")
        return data


class GexfRenderer(_FileRenderer):
    media_type = "application/gexf+xml"
    format = "gexf"


class GraphMLRenderer(_FileRenderer):
    media_type = "application/graphml+xml"
    format = "graphml"


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


FORMATS = ("json", "gexf", "graphml", "csv")
NETWORK_PARAMETERS = [
    OpenApiParameter(
        "flows",
        OpenApiTypes.STR,
        description="Comma-separated flow-type keys (`material,knowledge`); default all.",
    ),
    OpenApiParameter(
        "coders",
        OpenApiTypes.STR,
        description=(
            "Comma-separated user ids or usernames, or `consensus` for the consensus "
            "layer only; default every coder whose codings you may see."
        ),
    ),
    OpenApiParameter(
        "documents", OpenApiTypes.STR, description="Comma-separated document ids."
    ),
    OpenApiParameter(
        "attribute",
        OpenApiTypes.STR,
        many=True,
        description="Case attribute filter `name=value` (repeatable), e.g. `niveau=middenveld`.",
    ),
    OpenApiParameter(
        "co_mentions",
        OpenApiTypes.BOOL,
        description="Add the layer of actors named in the same speaker turn (default 0).",
    ),
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=list(FORMATS),
        description="`json` (default), `gexf` or `graphml` (for Gephi), or `csv`.",
    ),
    OpenApiParameter(
        "table",
        OpenApiTypes.STR,
        enum=["edges", "nodes"],
        description="With `format=csv`: the tie list (default) or the actor list.",
    ),
]


class NetworkView(APIView):
    renderer_classes = [JSONRenderer, GexfRenderer, GraphMLRenderer, CsvRenderer]

    def perform_content_negotiation(self, request, force=False):
        wanted = request.query_params.get("format")
        if wanted and wanted not in FORMATS and not force:
            raise ValidationError(
                {"format": _("Use format=json, gexf, graphml or csv.")}
            )
        return super().perform_content_negotiation(request, force=force)

    def handle_exception(self, exc):
        # Whatever format was asked for, an error is JSON a script can read.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        parameters=NETWORK_PARAMETERS,
        responses={
            (200, "application/json"): s.NetworkSerializer,
            (200, "application/gexf+xml"): OpenApiResponse(
                OpenApiTypes.STR, description="GEXF 1.2 for Gephi"
            ),
            (200, "application/graphml+xml"): OpenApiResponse(
                OpenApiTypes.STR, description="GraphML"
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="Tie list or actor list"
            ),
        },
        summary="The actor network: actors with their measures, and ties",
        description=(
            "Ties are aggregated from the relation codings you may see (blind coding "
            "applies) per source, target and flow type: `weight` counts the "
            "supporting codings, `occasional` is their majority. A stored network is "
            "returned when it is up to date, else it is built first. GEXF and GraphML "
            "carry flow type, regularity, weights and the measures as attributes."
        ),
    )
    def get(self, request: Request, project_id: int) -> Response:
        access = access_project(request.user, project_id)
        network_setup(project=access.project)
        filters = NetworkFiltersForm(
            request.query_params, project=access.project
        ).filters()
        snapshot, _created = network_snapshot_get_or_create(
            project=access.project,
            scope=network_scope(access),
            filters=filters,
            user=request.user,
        )
        changed = network_changed_at(project_id=access.project.pk, scope=snapshot.scope)
        if snapshot.badge(up_to_date=snapshot.built_since(changed)) != "fresh":
            snapshot = network_build(snapshot_id=snapshot.pk)
        wanted = request.accepted_renderer.format
        table = request.query_params.get("table", "edges")
        if table not in {"edges", "nodes"}:
            raise ValidationError({"table": _("Use table=edges or table=nodes.")})
        if wanted == "json":
            return Response(network_payload(snapshot, changed_at=changed))
        stored = stored_network(snapshot)
        name = slugify(access.project.name) or "project"
        if wanted == "gexf":
            body = graph.to_gexf(stored.graph, metrics=stored.metrics)
            filename = f"{name}-network.gexf"
        elif wanted == "graphml":
            body = graph.to_graphml(stored.graph, metrics=stored.metrics)
            filename = f"{name}-network.graphml"
        elif table == "nodes":
            body = graph.nodes_csv(stored.graph, metrics=stored.metrics)
            filename = f"{name}-network-actors.csv"
        else:
            body = graph.edges_csv(stored.graph)
            filename = f"{name}-network-ties.csv"
        return Response(
            body, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
