"""The agreement report as typed values, defined once.

``agreement.report.build_report`` makes a ``Report`` and ``Disagreements``; the run
stores them as JSON (``AgreementRun.result``/``.disagreements``, format
``regie-agreement/1``), and ``agreement.services.agreement_output`` adds what the
API and the command send (project, run, codebook version, methods paragraphs) as an
``AgreementOutput``. Everything else — pages, CSV, the methods paragraph, the
command's table — reads attributes. ``to_json``/``from_json`` are the only places
that know the JSON keys; they read every report stored so far.

Pure module: no ORM.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

FORMAT = "regie-agreement/1"
ALL_GROUP = "all"
ALL_CODES = "all"

# A figure's optional facts, each sent only when known (not None), in this order.
_FIGURE_EXTRAS = (
    "mean",
    "note",
    "excluded",
    "level",
    "pairable",
    "percent",
    "mean_percent",
    "documents",
    "units",
    "conflict_length",
    "coverage",
    "verdict",
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One measure for one variable, coder group and document (or pooled).

    ``reason`` says why ``value`` is undefined (``None`` when defined). The
    interval (``ci_low``, ``ci_high``, ``resamples``) exists only where a bootstrap
    ran: ``resamples is None`` means none did. ``verdict`` is the value against the
    run's thresholds (good, tentative, poor, undefined).
    """

    value: float | None
    n: int
    reason: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    resamples: int | None = None
    mean: float | None = None
    note: str | None = None
    excluded: int | None = None
    level: str | None = None
    pairable: int | None = None
    percent: float | None = None
    mean_percent: float | None = None
    documents: int | None = None
    units: int | None = None
    conflict_length: int | None = None
    coverage: float | None = None
    verdict: str | None = None

    @property
    def has_interval(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "n": self.n, "reason": self.reason}
        if self.resamples is not None:
            data.update(
                ci_low=self.ci_low, ci_high=self.ci_high, resamples=self.resamples
            )
        for name in _FIGURE_EXTRAS:
            value = getattr(self, name)
            if value is not None and (name != "note" or value):
                data[name] = value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figure:
        known = {f.name for f in fields(cls)}
        figure = cls(**{k: v for k, v in data.items() if k in known})
        if "resamples" not in data and (
            "ci_low" in data or "ci_high" in data
        ):  # an interval without its count: keep it visible
            figure = replace(figure, resamples=0)
        return figure


@dataclass(frozen=True, slots=True)
class Row:
    """The figures of one variable × coder group, pooled (``document`` None) or for
    one document; ``measures`` maps measure keys to figures, in report order."""

    variable: str
    group: str
    document: int | None
    measures: Mapping[str, Figure]

    def to_json(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "group": self.group,
            "document": self.document,
            "measures": {key: f.to_json() for key, f in self.measures.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Row:
        return cls(
            variable=data["variable"],
            group=data["group"],
            document=data["document"],
            measures={k: Figure.from_json(f) for k, f in data["measures"].items()},
        )


@dataclass(frozen=True, slots=True)
class VariableValue:
    """A domain's value: one of its sub-codes."""

    code: int
    name: str
    value: float | None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "value": self.value}


@dataclass(frozen=True, slots=True)
class Variable:
    """What is compared: a code (binary), a domain (one variable), a domain's value
    (``kind == "value"``, unitizing only) or all codes pooled (``all_codes``)."""

    key: str
    code: int | None
    name: str
    path: str
    kind: str
    level: str
    values: tuple[VariableValue, ...] = ()
    conflicts: int = 0
    disagreements: int = 0
    domain: str | None = None  # a value's domain key
    value: float | None = None  # a value's number

    @property
    def is_value(self) -> bool:
        return self.kind == "value"

    @property
    def explorable(self) -> bool:
        """Codes and domains have a disagreement list."""
        return self.kind in {"code", "domain"}

    def to_json(self) -> dict[str, Any]:
        head = {"key": self.key, "code": self.code, "name": self.name}
        if self.is_value:
            return {
                **head,
                "path": self.path,
                "kind": self.kind,
                "domain": self.domain,
                "level": self.level,
                "value": self.value,
            }
        return {
            **head,
            "path": self.path,
            "kind": self.kind,
            "level": self.level,
            "values": [v.to_json() for v in self.values],
            "conflicts": self.conflicts,
            "disagreements": self.disagreements,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Variable:
        return cls(
            key=data["key"],
            code=data.get("code"),
            name=data["name"],
            path=data["path"],
            kind=data["kind"],
            level=data.get("level", "nominal"),
            values=tuple(
                VariableValue(v["code"], v["name"], v.get("value"))
                for v in data.get("values", ())
            ),
            conflicts=data.get("conflicts", 0),
            disagreements=data.get("disagreements", 0),
            domain=data.get("domain"),
            value=data.get("value"),
        )


@dataclass(frozen=True, slots=True)
class Group:
    """A coder pair (``<id>-<id>``) or all coders together (``all``)."""

    key: str
    coders: tuple[int, ...]
    label: str

    @property
    def is_pair(self) -> bool:
        return self.key != ALL_GROUP

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "coders": list(self.coders), "label": self.label}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Group:
        return cls(data["key"], tuple(data["coders"]), data["label"])


@dataclass(frozen=True, slots=True)
class Coder:
    id: int
    username: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username}


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    title: str
    length: int
    units: int
    unit_kind: str
    coders: tuple[int, ...]  # the selected coders who worked on it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "length": self.length,
            "units": self.units,
            "unit_kind": self.unit_kind,
            "coders": list(self.coders),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DocumentInfo:
        return cls(
            id=data["id"],
            title=data["title"],
            length=data["length"],
            units=data["units"],
            unit_kind=data["unit_kind"],
            coders=tuple(data["coders"]),
        )


@dataclass(frozen=True, slots=True)
class MeasureInfo:
    key: str
    label: str  # plain English; pages show their own translated names

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label}


@dataclass(frozen=True, slots=True)
class UnitInfo:
    name: str
    label: str
    documents_by_unit: Mapping[str, int]  # unit kind → documents read that way
    units: int  # units (or characters) over the documents

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "documents_by_unit": dict(self.documents_by_unit),
            "units": self.units,
        }


@dataclass(frozen=True, slots=True)
class ReportSelection:
    """What the report compared (measures as computed for the unit)."""

    unit: str
    measures: tuple[str, ...]
    documents: tuple[int, ...]
    coders: tuple[int, ...]
    codes: tuple[int, ...]
    n_resamples: int
    seed: int
    confidence: float
    thresholds: Mapping[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "measures": list(self.measures),
            "documents": list(self.documents),
            "coders": list(self.coders),
            "codes": list(self.codes),
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "confidence": self.confidence,
            "thresholds": dict(self.thresholds),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportSelection:
        return cls(
            unit=data["unit"],
            measures=tuple(data["measures"]),
            documents=tuple(data["documents"]),
            coders=tuple(data["coders"]),
            codes=tuple(data["codes"]),
            n_resamples=data["n_resamples"],
            seed=data["seed"],
            confidence=data["confidence"],
            thresholds=dict(data.get("thresholds") or {}),
        )


@dataclass(frozen=True, slots=True)
class Source:
    """What the run read: the codings clock and an assignments fingerprint."""

    codings_changed_at: str | None
    assignments: str

    def to_json(self) -> dict[str, Any]:
        return {
            "codings_changed_at": self.codings_changed_at,
            "assignments": self.assignments,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The figures of a run (what ``AgreementRun.result`` stores)."""

    selection: ReportSelection
    unit: UnitInfo
    coders: tuple[Coder, ...]
    documents: tuple[DocumentInfo, ...]
    groups: tuple[Group, ...]
    measures: tuple[MeasureInfo, ...]
    variables: tuple[Variable, ...]
    rows: tuple[Row, ...]
    document_rows_cover: str  # "every code", or "all codes" for large selections
    document_rows: tuple[Row, ...]
    source: Source | None = None
    format: str = FORMAT

    def variable(self, key: str) -> Variable | None:
        return next((v for v in self.variables if v.key == key), None)

    def group(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)

    @property
    def pairs(self) -> list[Group]:
        return [g for g in self.groups if g.is_pair]

    def body_json(self) -> dict[str, Any]:
        """Everything but ``format``, in the stored order."""
        data = {
            "selection": self.selection.to_json(),
            "unit": self.unit.to_json(),
            "coders": [c.to_json() for c in self.coders],
            "documents": [d.to_json() for d in self.documents],
            "groups": [g.to_json() for g in self.groups],
            "measures": [m.to_json() for m in self.measures],
            "variables": [v.to_json() for v in self.variables],
            "rows": [r.to_json() for r in self.rows],
            "document_rows_cover": self.document_rows_cover,
            "document_rows": [r.to_json() for r in self.document_rows],
        }
        if self.source is not None:
            data["source"] = self.source.to_json()
        return data

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, **self.body_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        unit = data["unit"]
        source = data.get("source")
        return cls(
            format=data.get("format", FORMAT),
            selection=ReportSelection.from_json(data["selection"]),
            unit=UnitInfo(
                unit["name"], unit["label"], unit["documents_by_unit"], unit["units"]
            ),
            coders=tuple(Coder(c["id"], c["username"]) for c in data["coders"]),
            documents=tuple(DocumentInfo.from_json(d) for d in data["documents"]),
            groups=tuple(Group.from_json(g) for g in data["groups"]),
            measures=tuple(MeasureInfo(m["key"], m["label"]) for m in data["measures"]),
            variables=tuple(Variable.from_json(v) for v in data["variables"]),
            rows=tuple(Row.from_json(r) for r in data["rows"]),
            document_rows_cover=data["document_rows_cover"],
            document_rows=tuple(Row.from_json(r) for r in data["document_rows"]),
            source=Source(source.get("codings_changed_at"), source.get("assignments"))
            if source
            else None,
        )


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of one document where two coders' coding differs.

    ``a`` and ``b`` are each coder's spans there as ``(start, end, label)``;
    ``differing`` counts the characters (or units) that differ, ``at`` the first.
    """

    document: int
    start: int
    end: int
    at: int
    differing: int
    a: tuple[tuple[int, int, int], ...]
    b: tuple[tuple[int, int, int], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "at": self.at,
            "differing": self.differing,
            "a": [list(s) for s in self.a],
            "b": [list(s) for s in self.b],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Stretch:
        return cls(
            document=data["document"],
            start=data["start"],
            end=data["end"],
            at=data["at"],
            differing=data["differing"],
            a=tuple(tuple(s) for s in data["a"]),
            b=tuple(tuple(s) for s in data["b"]),
        )


@dataclass(frozen=True, slots=True)
class PairDisagreements:
    """Where one coder pair differs on one variable (``stretches`` capped)."""

    total: int = 0
    stretches: tuple[Stretch, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "stretches": [s.to_json() for s in self.stretches],
        }


@dataclass(frozen=True, slots=True)
class Disagreements:
    """variable key → pair key → where the pair differs (``run.disagreements``)."""

    by_variable: Mapping[str, Mapping[str, PairDisagreements]] = field(
        default_factory=dict
    )

    def of(self, variable: str, pair: str) -> PairDisagreements:
        return self.by_variable.get(variable, {}).get(pair, PairDisagreements())

    def total(self, variable: str) -> int:
        return sum(p.total for p in self.by_variable.get(variable, {}).values())

    def to_json(self) -> dict[str, Any]:
        return {
            variable: {pair: found.to_json() for pair, found in pairs.items()}
            for variable, pairs in self.by_variable.items()
        }

    @staticmethod
    def pair_from_stored(
        data: Mapping[str, Any] | None, variable: str, pair: str
    ) -> PairDisagreements:
        """One pair's list from ``run.disagreements``, the rest left unparsed."""
        return Disagreements.pair_from_json((data or {}).get(variable, {}).get(pair))

    @staticmethod
    def pair_from_json(data: Mapping[str, Any] | None) -> PairDisagreements:
        """One pair's list, read without parsing the rest of a large JSON."""
        if not data:
            return PairDisagreements()
        return PairDisagreements(
            total=data.get("total", 0),
            stretches=tuple(Stretch.from_json(s) for s in data.get("stretches", ())),
        )


@dataclass(frozen=True, slots=True)
class ProjectRef:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class RunRef:
    id: int
    status: str
    stale: bool
    requested_at: str
    finished_at: str | None


@dataclass(frozen=True, slots=True)
class VersionRef:
    id: int
    number: int
    name: str


@dataclass(frozen=True, slots=True)
class Methods:
    """The methods paragraph in English and in Dutch."""

    en: str
    nl: str

    def items(self) -> Iterator[tuple[str, str]]:
        yield from (("en", self.en), ("nl", self.nl))


@dataclass(frozen=True, slots=True)
class AgreementOutput:
    """What the API and the command send: the run's facts, the report and the
    methods paragraphs."""

    project: ProjectRef
    run: RunRef
    codebook_version: VersionRef | None
    report: Report
    methods: Methods

    def to_json(self) -> dict[str, Any]:
        version = self.codebook_version
        return {
            "format": self.report.format,
            "project": {"id": self.project.id, "name": self.project.name},
            "run": {
                "id": self.run.id,
                "status": self.run.status,
                "stale": self.run.stale,
                "requested_at": self.run.requested_at,
                "finished_at": self.run.finished_at,
            },
            "codebook_version": {
                "id": version.id,
                "number": version.number,
                "name": version.name,
            }
            if version
            else None,
            **self.report.body_json(),
            "methods": {"en": self.methods.en, "nl": self.methods.nl},
        }
