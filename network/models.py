"""Actor-network models: actors, flow types, relations, and stored network snapshots.

An actor *is* a code of the codebook (``Actor.code``, whose name it carries), so
coding a passage with the actor's code and naming it in a relation stay one thing. A
relation is a coding (``Relation.coding``, primary key shared) with a source and target
actor, a flow type (whose code the coding carries), a direction and a regularity; so
agreement, retrieval, exports and blind coding treat it as any coding.

``NetworkSnapshot`` rows store a computed network for one set of filters *and* one
visibility scope (everyone's codings, or one blind coder's own), with its ties
(``NetworkTie``, evidence coding ids kept) and per-actor metrics (``ActorMetric``).
Rules across tables (an actor, a flow type and a relation in one project) are
database triggers, see ``network/migrations/0002_cross_table_rules.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coding.jobs.models import Job, JobStatus
from coding.models import COLOR_RE, Code, Coding, Project


class ActorKind(models.TextChoices):
    CITY = "city", _("city")
    AGENCY = "agency", _("agency")
    VZW = "vzw", _("vzw (non-profit)")
    ASSOCIATION = "association", _("association")
    OTHER = "other", _("other")


class FlowType(models.Model):
    """A kind of flow between actors (material, knowledge, …), tied to its code."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="flow_types"
    )
    code = models.OneToOneField(
        Code,
        on_delete=models.CASCADE,
        related_name="flow_type",
        help_text="Relation codings of this type carry this code.",
    )
    key = models.SlugField(
        _("key"),
        max_length=40,
        help_text="Stable name used by the API and exports: material, knowledge, …",
    )
    label = models.CharField(_("label"), max_length=200)
    colour = models.CharField(_("colour"), max_length=7, default="#1f77b4")
    is_default = models.BooleanField(
        _("shown by default"),
        default=False,
        help_text=_("Drawn on the network page until the viewer picks flow types."),
    )
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "key"], name="network_flowtype_unique_key"
            ),
            models.CheckConstraint(
                condition=~Q(key="co_mention") & ~Q(key=""),
                name="network_flowtype_key_allowed",
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=COLOR_RE), name="network_flowtype_colour_hex"
            ),
        ]
        verbose_name = _("flow type")
        verbose_name_plural = _("flow types")

    def __str__(self) -> str:
        return self.label


class Actor(models.Model):
    """A city, agency or organisation in the network; one code of the codebook.

    ``name`` is the code's name, copied so reads need no join; the network services
    keep it in step (``actor_update`` renames both, ``network_setup`` catches up
    with renames made in the codebook).
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="actors"
    )
    code = models.OneToOneField(Code, on_delete=models.CASCADE, related_name="actor")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ActorKind.choices, default=ActorKind.OTHER
    )
    aliases = models.JSONField(
        _("aliases"),
        default=list,
        blank=True,
        help_text=_("Other names under which the actor is mentioned."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ActorKind]),
                name="network_actor_kind_valid",
            )
        ]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:actors", args=[self.project_id]) + f"#actor-{self.pk}"


class Relation(models.Model):
    """The relation fields of a relation coding: who gives what to whom, how often."""

    coding = models.OneToOneField(
        Coding, on_delete=models.CASCADE, primary_key=True, related_name="relation"
    )
    source_actor = models.ForeignKey(
        Actor, on_delete=models.CASCADE, related_name="relations_out"
    )
    target_actor = models.ForeignKey(
        Actor, on_delete=models.CASCADE, related_name="relations_in"
    )
    flow = models.ForeignKey(
        FlowType, on_delete=models.CASCADE, related_name="relations"
    )
    mutual = models.BooleanField(
        _("mutual"), default=False, help_text=_("The flow goes both ways.")
    )
    occasional = models.BooleanField(
        _("occasional"),
        default=False,
        help_text=_("Only in some years or some cases (soms), not structural."),
    )

    class Meta:
        ordering = ["coding_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_actor=F("target_actor")),
                name="network_relation_distinct_actors",
            )
        ]
        verbose_name = _("relation")
        verbose_name_plural = _("relations")

    def __str__(self) -> str:
        arrow = "↔" if self.mutual else "→"
        return f"{self.source_actor} {arrow} {self.target_actor} ({self.flow})"


class NetworkState(models.Model):
    """When actors or flow types last changed (codings keep their own timestamp)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="network_state"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.project}: {self.changed_at:%Y-%m-%d %H:%M}"


class NetworkSnapshot(Job):
    """A network computed for one filter set and one visibility scope.

    ``scope`` is ``"all"`` (everyone's codings) or ``"coder:<id>"`` with
    ``"+consensus:<id>"`` when the published consensus layer is included, so a blind
    coder only ever reads networks built from codings they may see. The row is
    reused for every rebuild of the same key; ``computed_at`` is when the data of
    the stored results were read. Its build is a background job
    (``coding.jobs``): status, heartbeat and attempts come from ``Job``.
    """

    task_name = "network.tasks.network_rebuild"
    task_argument = "snapshot_id"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="network_snapshots"
    )
    scope = models.CharField(max_length=100)
    filters = models.JSONField(default=dict)
    filters_key = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["project", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "scope", "filters_key"],
                name="network_networksnapshot_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in JobStatus]),
                name="network_networksnapshot_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} [{self.scope}] {self.status}"

    def built_since(self, changed_at) -> bool:
        """Whether the stored network was read after the inputs last changed."""
        if self.computed_at is None:
            return False
        return changed_at is None or changed_at <= self.computed_at


class NetworkTie(models.Model):
    """One aggregated tie of a snapshot: a flow from source to target."""

    snapshot = models.ForeignKey(
        NetworkSnapshot, on_delete=models.CASCADE, related_name="ties"
    )
    source = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    flow = models.CharField(max_length=40)
    layer = models.CharField(max_length=20, default="relation")
    weight = models.PositiveIntegerField()
    documents = models.PositiveIntegerField()
    coders = models.PositiveIntegerField()
    occasional = models.BooleanField()
    occasional_votes = models.PositiveIntegerField(default=0)
    structural_votes = models.PositiveIntegerField(default=0)
    mutual = models.BooleanField(default=False)
    # Parallel lists, one entry per supporting coding (or turn, for co-mentions):
    # {"codings": [...], "coders": [...], "documents": [...]} or
    # {"documents": [...], "turns": [...]}; compact for 200,000 codings.
    evidence = models.JSONField(default=dict)

    class Meta:
        ordering = ["snapshot", "id"]
        indexes = [
            models.Index(fields=["snapshot", "source"], name="network_tie_source_idx"),
            models.Index(fields=["snapshot", "target"], name="network_tie_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} ({self.flow}, {self.weight})"

    @property
    def coding_ids(self) -> list[int]:
        return list((self.evidence or {}).get("codings", []))

    def evidence_tuples(self) -> list[tuple]:
        """``(coding, coder, document, turn)`` per item, as ``graph.Evidence`` has it."""
        evidence = self.evidence or {}
        documents = evidence.get("documents", [])
        blank = [None] * len(documents)
        return list(
            zip(
                evidence.get("codings") or blank,
                evidence.get("coders") or blank,
                documents,
                evidence.get("turns") or blank,
                strict=True,
            )
        )


class ActorMetric(models.Model):
    """One actor's centralities in one snapshot; ``None`` where undefined."""

    snapshot = models.ForeignKey(
        NetworkSnapshot, on_delete=models.CASCADE, related_name="metrics"
    )
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="metrics")
    mentions = models.PositiveIntegerField(default=0)
    degree = models.PositiveIntegerField()
    in_degree = models.PositiveIntegerField()
    out_degree = models.PositiveIntegerField()
    neighbours = models.PositiveIntegerField()
    weighted_degree = models.PositiveIntegerField()
    weighted_in_degree = models.PositiveIntegerField()
    weighted_out_degree = models.PositiveIntegerField()
    betweenness = models.FloatField()
    closeness = models.FloatField()
    eigenvector = models.FloatField(null=True, blank=True)
    constraint = models.FloatField(null=True, blank=True)
    effective_size = models.FloatField(null=True, blank=True)
    component = models.PositiveIntegerField()

    class Meta:
        ordering = ["snapshot", "-betweenness", "actor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "actor"], name="network_actormetric_unique_actor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor_id}: betweenness {self.betweenness:.3f}"
