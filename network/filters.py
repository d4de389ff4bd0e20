"""What a network is built from: its filters and the caller's visibility scope.

``NetworkFilters`` is parsed once from query parameters (page, API) or command
options (``network.forms.NetworkFiltersForm``), and together with the scope it is the key of a stored snapshot. The scope
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

from django.db.models import Q

from coding.access import ProjectAccess

CONSENSUS = "consensus"
ALL = "all"


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
        if kind not in {"coder", CONSENSUS} or not number.isdecimal():
            raise ValueError(f"bad network scope {scope!r}")
        allowed |= Q(**{f"{prefix}coder_id": int(number)})
    return allowed
