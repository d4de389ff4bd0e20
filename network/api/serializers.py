"""API shapes of the actor network. Input serializers only validate shape."""

from __future__ import annotations

from rest_framework import serializers

from network.models import Actor, ActorKind, FlowType


class ActorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The actor code's name.")
    code = serializers.IntegerField(
        source="code_id", read_only=True, help_text="The actor's code."
    )

    class Meta:
        model = Actor
        fields = ["id", "name", "kind", "aliases", "code"]


class ActorCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ActorKind.choices, default=ActorKind.OTHER)
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Code under which the actor's code goes; default the “Actoren” root.",
    )


class ActorMergeSerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="The actor that remains.")


class ActorMergeResultSerializer(serializers.Serializer):
    actor = ActorSerializer()
    moved = serializers.IntegerField(help_text="Relations now naming the target.")
    dropped = serializers.IntegerField(
        help_text="Relations between the two actors, whose relation fields were removed."
    )


class FlowTypeSerializer(serializers.ModelSerializer):
    code = serializers.IntegerField(source="code_id", read_only=True)

    class Meta:
        model = FlowType
        fields = ["key", "label", "colour", "code", "is_default"]


class RelationSerializer(serializers.Serializer):
    """The relation fields of a relation coding (read-only, nested in codings)."""

    source_actor = serializers.IntegerField(source="source_actor_id")
    target_actor = serializers.IntegerField(source="target_actor_id")
    flow = serializers.CharField(source="flow.key", help_text="Flow-type key.")
    mutual = serializers.BooleanField()
    occasional = serializers.BooleanField()


class NetworkNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Actor id.")
    name = serializers.CharField()
    kind = serializers.CharField()
    code = serializers.IntegerField()
    mentions = serializers.IntegerField(
        help_text="Times the actor is named (name or alias) in the filtered documents."
    )
    degree = serializers.IntegerField(allow_null=True)
    in_degree = serializers.IntegerField(allow_null=True)
    out_degree = serializers.IntegerField(allow_null=True)
    neighbours = serializers.IntegerField(allow_null=True)
    weighted_degree = serializers.IntegerField(allow_null=True)
    weighted_in_degree = serializers.IntegerField(allow_null=True)
    weighted_out_degree = serializers.IntegerField(allow_null=True)
    betweenness = serializers.FloatField(allow_null=True)
    closeness = serializers.FloatField(allow_null=True)
    eigenvector = serializers.FloatField(allow_null=True)
    constraint = serializers.FloatField(allow_null=True, help_text="Burt's constraint.")
    effective_size = serializers.FloatField(allow_null=True)
    component = serializers.IntegerField(allow_null=True)


class NetworkEdgeSerializer(serializers.Serializer):
    source = serializers.IntegerField(help_text="Actor id.")
    target = serializers.IntegerField(help_text="Actor id.")
    flow = serializers.CharField(help_text="Flow-type key, or co_mention.")
    layer = serializers.CharField(help_text="relation or co_mention.")
    occasional = serializers.BooleanField(
        help_text="Most supporting codings say only some years (a tie vote counts)."
    )
    regularity = serializers.CharField(help_text="occasional, structural or n/a.")
    mutual = serializers.BooleanField(help_text="The same flow also goes back.")
    weight = serializers.IntegerField(help_text="Supporting codings (or turns).")
    documents = serializers.IntegerField()
    coders = serializers.IntegerField()
    evidence_count = serializers.IntegerField()
    occasional_votes = serializers.IntegerField()
    structural_votes = serializers.IntegerField()
    coding_ids = serializers.ListField(child=serializers.IntegerField())


class NetworkSummarySerializer(serializers.Serializer):
    nodes = serializers.IntegerField()
    edges = serializers.IntegerField()
    actor_pairs = serializers.IntegerField()
    density = serializers.FloatField()
    weak_components = serializers.IntegerField()
    strong_components = serializers.IntegerField()
    relation_codings = serializers.IntegerField()
    co_mention_ties = serializers.IntegerField()
    gatekeepers = serializers.ListField(child=serializers.IntegerField())
    gatekeeper_betweenness = serializers.FloatField(allow_null=True)
    gatekeeper_sentence = serializers.CharField()


class NetworkSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    snapshot = serializers.IntegerField()
    status = serializers.CharField()
    freshness = serializers.ChoiceField(choices=["fresh", "computing", "stale"])
    computed_at = serializers.DateTimeField(allow_null=True)
    filters = serializers.DictField()
    summary = NetworkSummarySerializer()
    nodes = NetworkNodeSerializer(many=True)
    edges = NetworkEdgeSerializer(many=True)
