"""What a network is built from: its filters and the caller's visibility scope.

``NetworkFilters`` is parsed once from query parameters (page, API) or command
options, and together with the scope it is the key of a stored snapshot. The scope
says whose codings a caller may see (``ProjectAccess``): ``"all"``, or under blind
coding ``"coder:<id>"`` plus ``"+consensus:<id>"`` once the consensus layer is
published. A snapshot is only ever read by callers with the same scope, so a blind
coder never sees a network built from someone else's codings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from coding.access import ProjectAccess
from coding.models import Project
from coding.segments import segment_filter_from_params

CONSENSUS = "consensus"
ALL = "all"
FALSE_WORDS = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class NetworkFilters:
    flows: tuple[str, ...] = ()  # flow-type keys; empty: every flow type
    coders: tuple[int, ...] = ()  # user ids; empty: every visible coder
    consensus: bool = False  # only the consensus layer (a reviewed network)
    documents: tuple[int, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # case attributes, all must hold
    co_mentions: bool = False  # add the layer of actors named in one speaker turn

    def as_json(self) -> dict:
        return {
            "flows": list(self.flows),
            "coders": list(self.coders),
            "consensus": self.consensus,
            "documents": list(self.documents),
            "attributes": [f"{name}={value}" for name, value in self.attributes],
            "co_mentions": self.co_mentions,
        }

    @property
    def key(self) -> str:
        canonical = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, data: Mapping) -> NetworkFilters:
        return cls(
            flows=tuple(data.get("flows", ())),
            coders=tuple(data.get("coders", ())),
            consensus=bool(data.get("consensus", False)),
            documents=tuple(data.get("documents", ())),
            attributes=tuple(
                tuple(item.split("=", 1)) for item in data.get("attributes", ())
            ),
            co_mentions=bool(data.get("co_mentions", False)),
        )


def _joined(params: Mapping, name: str) -> str:
    """A comma-separated parameter, also when a form repeats it (``flows=a&flows=b``)."""
    getlist = getattr(params, "getlist", None)
    values = getlist(name) if getlist else [params.get(name)]
    return ",".join(str(v) for v in values if v not in (None, ""))


def _flag(params: Mapping, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() not in FALSE_WORDS


def network_filters_from_params(
    params: Mapping, *, project: Project, default_flows: tuple[str, ...] = ()
) -> NetworkFilters:
    """Read ``flows, coders, documents, attribute, co_mentions`` (API, page, command).

    ``flows`` are comma-separated flow-type keys of the project (unknown keys are an
    error); ``coders`` takes user ids or usernames, or ``consensus`` for the
    consensus layer only; ``documents`` ids; ``attribute`` is ``name=value`` and may
    repeat (``niveau=middenveld``). Without ``flows``, ``default_flows`` apply.
    """
    raw_coders = [p.strip() for p in _joined(params, "coders").split(",")]
    consensus = CONSENSUS in {p.lower() for p in raw_coders}
    shared = {
        "coders": ",".join(p for p in raw_coders if p and p.lower() != CONSENSUS),
        "documents": _joined(params, "documents"),
    }
    getlist = getattr(params, "getlist", None)
    attributes = getlist("attribute") if getlist else params.get("attribute")
    if isinstance(attributes, str):
        attributes = [attributes]
    shared["attribute"] = [a for a in attributes or [] if a]
    parsed = segment_filter_from_params(shared)
    if parsed.attributes:
        known: set[str] = set()
        for values in project.cases.values_list("attributes", flat=True):
            known.update(values or {})
        unknown = sorted(
            {n for n, _v in parsed.attributes if n not in known or "__" in n}
        )
        if unknown:
            raise ValidationError(
                {
                    "attribute": _("No case has an attribute “%(name)s”.")
                    % {"name": unknown[0]}
                }
            )
    flows = tuple(
        sorted({p.strip() for p in _joined(params, "flows").split(",") if p.strip()})
    )
    if flows:
        known = set(project.flow_types.values_list("key", flat=True))
        unknown = sorted(set(flows) - known)
        if unknown:
            raise ValidationError(
                {
                    "flows": _("“%(key)s” is not a flow type of this project.")
                    % {"key": unknown[0]}
                }
            )
    else:
        flows = tuple(sorted(default_flows))
    return NetworkFilters(
        flows=flows,
        coders=tuple(sorted(set(parsed.coders))),
        consensus=consensus,
        documents=tuple(sorted(set(parsed.documents))),
        attributes=tuple(sorted(set(parsed.attributes))),
        co_mentions=_flag(params, "co_mentions"),
    )


def network_scope(access: ProjectAccess) -> str:
    """Whose codings this member's networks are built from (part of the key)."""
    if access.sees_all_codings:
        return ALL
    scope = f"coder:{access.user_id}"
    project = access.project
    if project.consensus_published and project.consensus_user_id:
        scope += f"+consensus:{project.consensus_user_id}"
    return scope


def scope_coding_filter(scope: str, prefix: str = "") -> Q:
    """A ``Q`` on codings for a scope string; strict, whatever the project's flags are
    now, so a snapshot holds exactly what its key promises."""
    if scope == ALL:
        return Q(**{f"{prefix}pk__isnull": False})
    allowed = Q()
    for part in scope.split("+"):
        kind, _sep, number = part.partition(":")
        if kind not in {"coder", CONSENSUS} or not number.isdigit():
            raise ValueError(f"bad network scope {scope!r}")
        allowed |= Q(**{f"{prefix}coder_id": int(number)})
    return allowed
