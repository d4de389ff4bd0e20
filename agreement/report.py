"""The agreement report: plain data in, a typed report and disagreements out.

Pure module (no ORM, no requests). ``agreement.services`` gathers the spans,
units and domain structure from the database into an ``AgreementInput``; this module
lays them out for the maths in ``agreement.stats`` (which it never re-implements),
and builds (as the dataclasses of ``agreement.results``):

* rows per variable (a code, or a domain read as one variable) × coder group (every
  pair, and all coders together), pooled over the documents, with value, N, bootstrap
  interval and verdict per measure, plus one "all codes" row per group;
* the same per document (without intervals, which need more than one document's
  units to mean much);
* per variable and coder pair, the stretches of text where the two coders disagree at
  the chosen unit, with both coders' spans (the disagreement explorer).

Units (``unit``):

* ``character``: every character is a unit (NVivo's Coding Comparison query);
* ``sentence``: sentences (``coding.textunits.sentence_spans``); a sentence is
  coded when any of its characters is;
* ``turn``: speaker turns, or paragraphs where a document has none;
* ``unitizing``: no units; the coders' own span boundaries are compared (u-alpha).

A code is a binary variable (applied / not applied); a domain is one variable whose
value is the sub-code applied (missing where a coder applied none of them). A coder
who did not work on a document (neither assigned nor coded anything there) is
missing on all of its units, never "did not apply".
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np

from agreement.results import (
    ALL_CODES,
    ALL_GROUP,
    FORMAT,
    Coder,
    Disagreements,
    DocumentInfo,
    Figure,
    Group,
    MeasureInfo,
    PairDisagreements,
    Report,
    ReportSelection,
    Row,
    Stretch,
    UnitInfo,
    Variable,
    VariableValue,
)
from agreement.stats import (
    Level,
    character_table,
    classify,
    code_matrix,
    cohen_kappa,
    domain_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    resolve_overlaps,
    unitizing_alpha,
    unitizing_alpha_1995,
)

CHARACTER, SENTENCE, TURN, UNITIZING = "character", "sentence", "turn", "unitizing"
UNITS = (CHARACTER, SENTENCE, TURN, UNITIZING)

PERCENT = "percent_agreement"
COHEN = "cohen_kappa"
FLEISS = "fleiss_kappa"
ALPHA = "krippendorff_alpha"
AC1 = "gwet_ac1"
NVIVO = "nvivo_kappa"
U_ALPHA = "u_alpha"
BINARY_U_ALPHA = "binary_u_alpha"
CU_ALPHA = "cu_alpha"
K_U_ALPHA = "k_u_alpha"
U_ALPHA_1995 = "u_alpha_1995"

# At unit ``character`` Cohen's κ *is* NVivo's κ (Cohen's κ over characters):
# ``cohen_kappa`` and its synonym ``nvivo_kappa`` give the same figure there.
MEASURES_BY_UNIT: dict[str, tuple[str, ...]] = {
    CHARACTER: (PERCENT, COHEN, NVIVO, ALPHA),
    SENTENCE: (PERCENT, COHEN, FLEISS, ALPHA, AC1, NVIVO),
    TURN: (PERCENT, COHEN, FLEISS, ALPHA, AC1, NVIVO),
    UNITIZING: (U_ALPHA, BINARY_U_ALPHA, CU_ALPHA, K_U_ALPHA, U_ALPHA_1995),
}
DEFAULT_MEASURES: dict[str, tuple[str, ...]] = {
    CHARACTER: (PERCENT, NVIVO, ALPHA),
    SENTENCE: (PERCENT, COHEN, FLEISS, ALPHA, AC1),
    TURN: (PERCENT, COHEN, FLEISS, ALPHA, AC1),
    UNITIZING: (U_ALPHA, BINARY_U_ALPHA, CU_ALPHA, U_ALPHA_1995),
}
MEASURES = tuple(
    dict.fromkeys(m for unit in UNITS for m in MEASURES_BY_UNIT[unit]).keys()
)
# Measures whose verdict uses the percentage thresholds rather than the coefficient ones.
PERCENT_MEASURES = frozenset({PERCENT})
MAX_STRETCHES = 1000  # per variable and coder pair, in the disagreement list
# Per-document rows for every code only up to this many (code × document) cells;
# above it, per-document rows cover "all codes" only (time and report size grow
# with the product: about 5 ms and 1 kB per cell and coder group).
PER_DOCUMENT_LIMIT = 1000

# Plain-text labels in English; pages translate their own headings.
MEASURE_LABELS = {
    PERCENT: "Percentage agreement",
    COHEN: "Cohen's κ",
    FLEISS: "Fleiss' κ",
    ALPHA: "Krippendorff's α",
    AC1: "Gwet's AC1",
    NVIVO: "NVivo κ",
    U_ALPHA: "uα",
    BINARY_U_ALPHA: "|uα",
    CU_ALPHA: "cuα",
    K_U_ALPHA: "(k)uα",
    U_ALPHA_1995: "α_U (1995/2004)",
}
UNIT_LABELS = {
    CHARACTER: "characters",
    SENTENCE: "sentences",
    TURN: "speaker turns (paragraphs where a document has no turns)",
    UNITIZING: "unitizing (the coders' own span boundaries)",
}

Span = tuple[int, int, int, int, int]  # document, code, coder, start, end


@dataclass(frozen=True)
class DocumentData:
    id: int
    title: str
    length: int
    coders: frozenset[int]  # coders who worked on it (assigned, or coded anything)
    unit_starts: tuple[int, ...] | None = None  # sentence/turn units; first is 0
    unit_kind: str = CHARACTER  # character, sentence, turn, paragraph


@dataclass(frozen=True)
class CodeData:
    id: int
    name: str
    path: str
    parent_id: int | None = None
    is_domain: bool = False
    level: str = "nominal"
    value: float | None = None


@dataclass(frozen=True)
class AgreementInput:
    unit: str
    measures: tuple[str, ...]
    documents: tuple[DocumentData, ...]
    coders: tuple[tuple[int, str], ...]  # (id, username), in the selection's order
    codes: tuple[CodeData, ...]  # the selected codes, in codebook order
    children: dict[int, tuple[CodeData, ...]] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    n_resamples: int = 0
    seed: int = 1
    confidence: float = 0.95
    thresholds: dict[str, float] = field(default_factory=dict)


@dataclass
class _Variable:
    key: str
    code: CodeData
    kind: str  # "code" or "domain"
    values: tuple[CodeData, ...] = ()

    @property
    def label_codes(self) -> tuple[int, ...]:
        return tuple(v.id for v in self.values) if self.kind == "domain" else ()


@dataclass
class _Group:
    key: str
    columns: tuple[int, ...]  # coder column indices
    coder_ids: tuple[int, ...]
    label: str

    @property
    def is_pair(self) -> bool:
        return self.key != ALL_GROUP

    @property
    def public(self) -> Group:
        return Group(self.key, self.coder_ids, self.label)


# --- small helpers ---------------------------------------------------------------------


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _figure(
    value,
    n: int,
    *,
    ci_low=None,
    ci_high=None,
    resamples: int = 0,
    reason: str | None = None,
    mean=None,
    note: str | None = None,
    **extra,
) -> Figure:
    """One figure: always value, n and reason (why the value is undefined, else
    None); the interval only where a bootstrap ran, the rest only when known."""
    number = _num(value)
    interval = bool(resamples or ci_low is not None or ci_high is not None)
    return Figure(
        value=number,
        n=int(n),
        reason=None if number is not None else (reason or "undefined"),
        ci_low=_num(ci_low) if interval else None,
        ci_high=_num(ci_high) if interval else None,
        resamples=int(resamples) if interval else None,
        mean=_num(mean),
        note=note or None,
        **extra,
    )


def verdict(measure: str, value: float | None, thresholds: dict[str, float]) -> str:
    """good / tentative / poor / undefined for one figure under ``thresholds``."""
    if measure in PERCENT_MEASURES:
        return classify(
            value,
            good=thresholds.get("percent_good", 90.0),
            tentative=thresholds.get("percent_tentative", 80.0),
        ).value
    return classify(
        value,
        good=thresholds.get("good", 0.800),
        tentative=thresholds.get("tentative", 0.667),
    ).value


def _coloured(figures: Mapping[str, Figure], thresholds: dict[str, float]) -> dict:
    return {
        measure: replace(figure, verdict=verdict(measure, figure.value, thresholds))
        for measure, figure in figures.items()
    }


def apply_thresholds(report: Report, thresholds: Mapping[str, float]) -> Report:
    """The report with every figure re-coloured (values do not change)."""
    thresholds = dict(thresholds)

    def recolour(rows: tuple[Row, ...]) -> tuple[Row, ...]:
        return tuple(
            replace(row, measures=_coloured(row.measures, thresholds)) for row in rows
        )

    return replace(
        report,
        selection=replace(report.selection, thresholds=thresholds),
        rows=recolour(report.rows),
        document_rows=recolour(report.document_rows),
    )


def _rng(seed: int, *parts: int) -> np.random.Generator:
    """An independent, reproducible stream per (variable, group, measure)."""
    return np.random.default_rng([int(seed), *(int(p) & 0x7FFFFFFF for p in parts)])


# --- layout ----------------------------------------------------------------------------


def _variables(data: AgreementInput) -> list[_Variable]:
    variables = []
    for code in data.codes:
        if code.is_domain:
            variables.append(
                _Variable(f"c{code.id}", code, "domain", data.children.get(code.id, ()))
            )
        else:
            variables.append(_Variable(f"c{code.id}", code, "code"))
    return variables


def _groups(coders: Sequence[tuple[int, str]]) -> list[_Group]:
    groups = [
        _Group(
            f"{coders[i][0]}-{coders[j][0]}",
            (i, j),
            (coders[i][0], coders[j][0]),
            f"{coders[i][1]} × {coders[j][1]}",
        )
        for i, j in combinations(range(len(coders)), 2)
    ]
    groups.append(
        _Group(
            ALL_GROUP,
            tuple(range(len(coders))),
            tuple(c for c, _name in coders),
            "all coders",
        )
    )
    return groups


@dataclass
class _Units:
    """Sentence or turn units of all documents laid end to end."""

    offsets: dict[int, int]  # document → index of its first unit
    counts: dict[int, int]
    starts: dict[int, np.ndarray]
    total: int
    worked: np.ndarray  # (units, coders) bool: the coder worked on the unit's document
    document_of: np.ndarray  # (units,) document index


def _layout_units(data: AgreementInput) -> _Units:
    offsets, counts, starts = {}, {}, {}
    total = 0
    coder_ids = [c for c, _name in data.coders]
    worked_rows, document_of = [], []
    for index, doc in enumerate(data.documents):
        unit_starts = np.asarray(doc.unit_starts or (), dtype=np.int64)
        offsets[doc.id], counts[doc.id], starts[doc.id] = (
            total,
            len(unit_starts),
            unit_starts,
        )
        total += len(unit_starts)
        row = np.array([c in doc.coders for c in coder_ids], dtype=bool)
        worked_rows.append(np.repeat(row[None, :], len(unit_starts), axis=0))
        document_of.append(np.full(len(unit_starts), index))
    worked = (
        np.concatenate(worked_rows)
        if worked_rows
        else np.zeros((0, len(coder_ids)), bool)
    )
    return _Units(
        offsets,
        counts,
        starts,
        total,
        worked.reshape(total, len(coder_ids)),
        np.concatenate(document_of) if document_of else np.zeros(0, np.int64),
    )


def _unit_range(starts: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """First and last unit (inclusive) a span [start, end) touches."""
    first = int(np.searchsorted(starts, start, side="right")) - 1
    last = int(np.searchsorted(starts, end - 1, side="right")) - 1
    return max(first, 0), max(last, 0)


def _applications(data: AgreementInput, units: _Units) -> dict[int, np.ndarray]:
    """code → (k, 2) array of (global unit, coder column) it was applied to."""
    coder_column = {c: i for i, (c, _name) in enumerate(data.coders)}
    found: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for doc, code, coder, start, end in data.spans:
        if coder not in coder_column or doc not in units.offsets or start >= end:
            continue
        starts = units.starts[doc]
        if not len(starts):
            continue
        first, last = _unit_range(starts, start, end)
        base = units.offsets[doc]
        column = coder_column[coder]
        found[code].update((base + u, column) for u in range(first, last + 1))
    return {
        code: np.array(sorted(cells), dtype=np.int64).reshape(-1, 2)
        for code, cells in found.items()
    }


# --- segment-level measures -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Segments:
    """One coder group's units × coders matrix and how to read it."""

    data: np.ndarray  # the group's columns
    numeric: np.ndarray | None  # the same as numbers (a domain at another level)
    level: str
    categories: int | None
    n_resamples: int
    confidence: float


def _bootstrapped(result, value, **extra) -> Figure:
    """A figure with the interval of a bootstrapped statistic."""
    return _figure(
        value,
        result.n_units,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        resamples=result.n_resamples,
        reason=result.reason,
        **extra,
    )


def _percent_figure(seg: _Segments, group: _Group, rng) -> Figure:
    result = percent_agreement(seg.data)
    if group.is_pair:
        pair = result.pairs[0]
        return _figure(
            pair.percent, pair.n_units, reason="no unit coded by both coders"
        )
    return _figure(
        result.mean_percent,
        result.n_units,
        reason="no unit coded by two or more coders",
        note="mean over coder pairs",
    )


def _cohen_figure(seg: _Segments, group: _Group, rng) -> Figure:
    if group.is_pair:
        kappa = cohen_kappa(
            seg.data,
            n_resamples=seg.n_resamples,
            seed=rng,
            confidence=seg.confidence,
        )
        return _bootstrapped(kappa, kappa.value)
    pairs = [
        cohen_kappa(seg.data[:, [i, j]])
        for i, j in combinations(range(seg.data.shape[1]), 2)
    ]
    values = [p.value for p in pairs if p.value is not None]
    return _figure(
        statistics.fmean(values) if values else None,
        max((p.n_units for p in pairs), default=0),
        reason="no coder pair with a defined κ",
        note="mean of the pairs' Cohen's κ, Light's κ",
    )


def _fleiss_figure(seg: _Segments, group: _Group, rng) -> Figure | None:
    if group.is_pair:
        return None
    kappa = fleiss_kappa(
        seg.data, n_resamples=seg.n_resamples, seed=rng, confidence=seg.confidence
    )
    return _bootstrapped(kappa, kappa.value, excluded=kappa.n_excluded)


def _alpha_figure(seg: _Segments, group: _Group, rng) -> Figure:
    alpha = krippendorff_alpha(
        seg.data if seg.numeric is None else seg.numeric,
        level=seg.level,
        n_resamples=seg.n_resamples,
        seed=rng,
        confidence=seg.confidence,
    )
    return _bootstrapped(
        alpha, alpha.alpha, level=str(alpha.level), pairable=alpha.n_pairable
    )


def _ac1_figure(seg: _Segments, group: _Group, rng) -> Figure:
    ac1 = gwet_ac1(
        seg.data,
        categories=seg.categories,
        n_resamples=seg.n_resamples,
        seed=rng,
        confidence=seg.confidence,
    )
    return _bootstrapped(ac1, ac1.value)


_SEGMENT_MEASURES = {
    PERCENT: _percent_figure,
    COHEN: _cohen_figure,
    FLEISS: _fleiss_figure,
    ALPHA: _alpha_figure,
    AC1: _ac1_figure,
}


def _segment_figures(
    matrix: np.ndarray,
    group: _Group,
    measures: Sequence[str],
    *,
    level: str = "nominal",
    numeric: np.ndarray | None = None,
    categories: int | None = None,
    n_resamples: int = 0,
    seed: int = 1,
    seed_parts: tuple[int, ...] = (),
    confidence: float = 0.95,
    reasons: dict[str, str] | None = None,
) -> dict[str, Figure]:
    """The segment measures for one units × coders matrix and one coder group."""
    columns = list(group.columns)
    seg = _Segments(
        data=matrix[:, columns],
        numeric=None if numeric is None else numeric[:, columns],
        level=level,
        categories=categories,
        n_resamples=n_resamples,
        confidence=confidence,
    )
    figures: dict[str, Figure] = {}
    reasons = reasons or {}
    for index, measure in enumerate(measures):
        if measure in reasons:
            figures[measure] = _figure(None, 0, reason=reasons[measure])
            continue
        if measure not in _SEGMENT_MEASURES:
            continue
        rng = _rng(seed, *seed_parts, index) if n_resamples > 0 else None
        figure = _SEGMENT_MEASURES[measure](seg, group, rng)
        if figure is not None:
            figures[measure] = figure
    return figures


# --- the report ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Read:
    """A variable read per unit: the matrix and how its values compare."""

    matrix: np.ndarray  # units × coders: 0/1 for a code, child ids for a domain
    numeric: np.ndarray | None  # a domain's values as numbers (not nominal)
    level: str
    categories: int | None
    reasons: dict[str, str]  # measure → why it is undefined for this variable


class _Builder:
    def __init__(
        self, data: AgreementInput, progress: Callable[[float], None] | None
    ) -> None:
        self.data = data
        self.progress = progress or (lambda fraction: None)
        self.variables = _variables(data)
        self.groups = _groups(data.coders)
        self.rows: list[Row] = []
        self.document_rows: list[Row] = []
        self.extra_variables: list[Variable] = []
        self.conflicts: dict[str, int] = {}
        self.doc_index = {d.id: i for i, d in enumerate(data.documents)}
        # Measures that only exist for some groups or variables are filtered below.
        self.measures = [m for m in data.measures if m in MEASURES_BY_UNIT[data.unit]]
        self.per_document = (
            len(self.variables) * len(data.documents) <= PER_DOCUMENT_LIMIT
        )

    # Rows ---------------------------------------------------------------------------

    def _row(self, variable: str, group: _Group, document, figures: dict) -> Row:
        return Row(
            variable=variable,
            group=group.key,
            document=document,
            measures=_coloured(figures, self.data.thresholds),
        )

    def _add(self, variable: str, group: _Group, document, figures: dict) -> None:
        row = self._row(variable, group, document, figures)
        (self.rows if document is None else self.document_rows).append(row)

    def _pair_docs(self, group: _Group) -> list[DocumentData]:
        """Documents on which at least two of the group's coders worked."""
        needed = 2
        return [
            d
            for d in self.data.documents
            if sum(c in d.coders for c in group.coder_ids) >= needed
            and (not group.is_pair or all(c in d.coders for c in group.coder_ids))
        ]

    # Segment level --------------------------------------------------------------------

    def segments(self) -> None:
        units = _layout_units(self.data)
        applied = _applications(self.data, units)
        code_variables = [v for v in self.variables if v.kind == "code"]
        table = None
        if NVIVO in self.measures and code_variables:
            table = self._character_table(code_variables)
        stacked: list[np.ndarray] = []
        steps = max(len(self.variables), 1)
        for step, variable in enumerate(self.variables):
            read = self._variable_matrix(variable, applied, units)
            if variable.kind == "code":
                stacked.append(read.matrix)
            for g_index, group in enumerate(self.groups):
                self._segment_rows(variable, read, units, table, group, g_index)
            self.progress(0.9 * (step + 1) / steps)
        segment_measures = [m for m in self.measures if m != NVIVO]
        self._all_codes_segments(stacked, units, segment_measures, table)

    def _variable_matrix(self, variable: _Variable, applied, units: _Units) -> _Read:
        """A code's binary units × coders matrix, or a domain's values."""
        if variable.kind == "code":
            matrix = code_matrix(
                applied=applied.get(variable.code.id, np.zeros((0, 2), np.int64)),
                n_units=units.total,
                n_coders=len(self.data.coders),
                coded=units.worked,
            )
            return _Read(matrix, None, "nominal", 2, {})
        return _Read(*self._domain_matrices(variable, applied, units))

    def _segment_rows(
        self, variable: _Variable, read: _Read, units: _Units, table, group, g_index
    ) -> None:
        """One variable × group: the pooled row and a row per document."""
        data = self.data
        segment_measures = [m for m in self.measures if m != NVIVO]
        figures = _segment_figures(
            read.matrix,
            group,
            segment_measures,
            level=read.level,
            numeric=read.numeric,
            categories=read.categories,
            n_resamples=data.n_resamples,
            seed=data.seed,
            seed_parts=(variable.code.id, g_index),
            confidence=data.confidence,
            reasons=read.reasons,
        )
        if NVIVO in self.measures:
            figures[NVIVO] = self._nvivo(table, variable, group, None)
        per_document = []
        for doc in self._pair_docs(group) if self.per_document else []:
            start = units.offsets[doc.id]
            rows = slice(start, start + units.counts[doc.id])
            doc_figures = _segment_figures(
                read.matrix[rows],
                group,
                segment_measures,
                level=read.level,
                numeric=None if read.numeric is None else read.numeric[rows],
                categories=read.categories,
                reasons=read.reasons,
            )
            if NVIVO in self.measures:
                doc_figures[NVIVO] = self._nvivo(table, variable, group, doc.id)
            per_document.append(doc_figures)
            self._add(variable.key, group, doc.id, doc_figures)
        self._document_means(figures, per_document, (PERCENT, NVIVO))
        self._add(variable.key, group, None, figures)

    def _domain_matrices(self, variable: _Variable, applied, units: _Units):
        """Nominal values (child ids) and, for other levels, the children's numbers."""
        n_coders = len(self.data.coders)
        reasons: dict[str, str] = {}
        level = variable.code.level
        children = variable.values
        rows = []
        for child in children:
            cells = applied.get(child.id)
            if cells is not None and len(cells):
                rows.append(np.column_stack([cells, np.full(len(cells), child.id)]))
        cells = np.concatenate(rows) if rows else np.zeros((0, 3), np.int64)
        nominal = domain_matrix(
            applications=[tuple(r) for r in cells.tolist()],
            n_units=units.total,
            n_coders=n_coders,
        )
        self.conflicts[variable.key] = len(nominal.conflicts)
        numeric = None
        if not children:
            for measure in self.measures:
                reasons[measure] = "the domain has no sub-codes"
        elif level != "nominal":
            missing = [c.name for c in children if c.value is None]
            if missing:
                reasons[ALPHA] = (
                    f"{level} α needs a value on every sub-code; missing: "
                    + ", ".join(missing)
                )
                level = "nominal"
            else:
                value_of = {c.id: c.value for c in children}
                numeric = (
                    np.vectorize(
                        lambda v: value_of.get(int(v), np.nan) if v == v else np.nan,
                        otypes=[float],
                    )(nominal.values)
                    if nominal.values.size
                    else nominal.values
                )
        if NVIVO in self.measures:
            reasons[NVIVO] = "NVivo's κ compares one code at a time, not a domain"
        return nominal.values, numeric, level, max(len(children), 2), reasons

    def _all_codes_segments(self, stacked, units: _Units, measures, table) -> None:
        if not stacked:
            return
        matrix = np.concatenate(stacked)
        n_codes = len(stacked)
        for g_index, group in enumerate(self.groups):
            figures = _segment_figures(
                matrix,
                group,
                measures,
                categories=2,
                n_resamples=self.data.n_resamples,
                seed=self.data.seed,
                seed_parts=(0, g_index, 1),
                confidence=self.data.confidence,
            )
            if table is not None:
                figures[NVIVO] = self._nvivo(table, None, group, None)
            per_document = []
            for doc in self._pair_docs(group):
                start, count = units.offsets[doc.id], units.counts[doc.id]
                pieces = [
                    matrix[k * units.total + start : k * units.total + start + count]
                    for k in range(n_codes)
                ]
                doc_figures = _segment_figures(
                    np.concatenate(pieces), group, measures, categories=2
                )
                if table is not None:
                    doc_figures[NVIVO] = self._nvivo(table, None, group, doc.id)
                per_document.append(doc_figures)
                self._add(ALL_CODES, group, doc.id, doc_figures)
            self._document_means(figures, per_document, (PERCENT, NVIVO))
            self._add(ALL_CODES, group, None, figures)

    @staticmethod
    def _document_means(figures: dict, per_document: list[dict], measures) -> None:
        """Add the plain mean over documents next to the pooled (weighted) value."""
        for measure in measures:
            if measure not in figures:
                continue
            values = [
                f[measure].value
                for f in per_document
                if measure in f and f[measure].value is not None
            ]
            if figures[measure].mean is None and values:
                figures[measure] = replace(
                    figures[measure],
                    mean=statistics.fmean(values),
                    documents=len(values),
                )

    # Character level (NVivo) ----------------------------------------------------------

    def _character_table(self, variables: list[_Variable], coders=None):
        data = self.data
        coders = coders if coders is not None else [c for c, _name in data.coders]
        codes = [v.code.id for v in variables]
        wanted = set(codes)
        lengths = {d.id: d.length for d in data.documents}
        unit_starts = None
        granularity = None
        if data.unit in (SENTENCE, TURN):
            unit_starts = {d.id: list(d.unit_starts or ()) for d in data.documents}
            granularity = data.unit
        return character_table(
            spans=[s for s in data.spans if s[1] in wanted and s[0] in lengths],
            lengths=lengths,
            codes=codes,
            coders=coders,
            unit_starts=unit_starts,
            granularity=granularity,
            assigned={d.id: set(d.coders) for d in data.documents},
        )

    def _nvivo(self, table, variable: _Variable | None, group: _Group, document):
        """NVivo's κ (with its percentage) for one code or all codes."""
        if table is None:
            return _figure(None, 0, reason="no code to compare")
        if variable is not None and variable.kind == "domain":
            return _figure(None, 0, reason="NVivo's κ compares one code at a time")
        code = None if variable is None else variable.code.id
        if group.is_pair:
            pooled = table.pooled(
                pair=group.coder_ids,
                code=code,
                document=document,
                n_resamples=self.data.n_resamples if document is None else 0,
                seed=_rng(self.data.seed, code or 0, *group.coder_ids, 99)
                if document is None and self.data.n_resamples > 0
                else None,
                confidence=self.data.confidence,
            )
            weighted = pooled.weighted
            return _figure(
                weighted.kappa,
                weighted.n_units,
                ci_low=pooled.ci_low,
                ci_high=pooled.ci_high,
                resamples=pooled.n_resamples,
                reason=weighted.reason or "not compared",
                mean=pooled.mean_kappa if document is None else None,
                percent=_num(weighted.percent),
                mean_percent=_num(pooled.mean_percent) if document is None else None,
                documents=pooled.n_cells if document is None else None,
            )
        every = table.all_coders(code=code, document=document)
        return _figure(
            every.mean_kappa,
            every.alpha.n_units,
            reason="no coder pair compared",
            note="mean over coder pairs",
            percent=_num(every.mean_percent),
        )

    def characters(self) -> None:
        code_variables = [v for v in self.variables if v.kind == "code"]
        table = self._character_table(code_variables)
        pair_tables = {}
        if ALPHA in self.measures:
            for group in self.groups:
                if group.is_pair:
                    pair_tables[group.key] = self._character_table(
                        code_variables, coders=list(group.coder_ids)
                    )
        steps = max(len(self.variables), 1)
        targets = [(v, v.code.id) for v in self.variables] + [(None, None)]
        for step, (variable, code) in enumerate(targets):
            if variable is not None and variable.kind == "domain":
                self._domain_not_per_character(variable)
                continue
            if variable is None and not code_variables:
                continue
            for group in self.groups:
                self._character_rows(variable, code, group, table, pair_tables)
            self.progress(0.9 * (step + 1) / (steps + 1))

    def _domain_not_per_character(self, variable: _Variable) -> None:
        for group in self.groups:
            self._add(
                variable.key,
                group,
                None,
                self._undefined(
                    "domains are compared per unit: choose sentences, turns or "
                    "unitizing"
                ),
            )

    def _character_rows(
        self, variable: _Variable | None, code, group: _Group, table, pair_tables
    ) -> None:
        """A code (or all codes) × group: pooled, then per document."""
        key = ALL_CODES if variable is None else variable.key
        documents = (
            [d.id for d in self._pair_docs(group)]
            if self.per_document or variable is None
            else []
        )
        for document in [None, *documents]:
            figures = {}
            for measure in self.measures:
                if measure in (NVIVO, COHEN):  # the same κ over characters
                    figures[measure] = self._nvivo(table, variable, group, document)
                elif measure == PERCENT:
                    figures[measure] = self._character_percent(
                        table, code, group, document
                    )
                elif measure == ALPHA:
                    source = pair_tables[group.key] if group.is_pair else table
                    figures[measure] = self._character_alpha(source, code, document)
            self._add(key, group, document, figures)

    @staticmethod
    def _character_alpha(table, code, document) -> Figure:
        alpha = table.all_coders(code=code, document=document).alpha
        return _figure(
            alpha.alpha,
            alpha.n_units,
            reason=alpha.reason,
            level="nominal",
            note="binary: coded / not coded",
        )

    @staticmethod
    def _character_percent(table, code, group: _Group, document) -> dict:
        if group.is_pair:
            pooled = table.pooled(pair=group.coder_ids, code=code, document=document)
            return _figure(
                pooled.weighted.percent,
                pooled.weighted.n_units,
                reason=pooled.weighted.reason or "not compared",
                mean=pooled.mean_percent if document is None else None,
                documents=pooled.n_cells if document is None else None,
                note="length-weighted over documents" if document is None else None,
            )
        every = table.all_coders(code=code, document=document)
        return _figure(
            every.mean_percent,
            every.alpha.n_units,
            reason="no coder pair compared",
            note="mean over coder pairs",
        )

    # Unitizing ------------------------------------------------------------------------

    def unitizing(self) -> None:
        by_variable: dict[int, list[Span]] = defaultdict(list)
        for span in self.data.spans:
            by_variable[span[1]].append(span)
        steps = max(len(self.variables), 1)
        for step, variable in enumerate(self.variables):
            value_codes = (
                list(variable.values) if variable.kind == "domain" else [variable.code]
            )
            spans = [s for c in value_codes for s in by_variable.get(c.id, [])]
            self._unitizing_variable(variable, spans)
            if variable.kind == "domain":
                self.extra_variables += self._value_variables(variable)
            self.progress(0.9 * (step + 1) / (steps + 1))
        code_variables = [v for v in self.variables if v.kind == "code"]
        if U_ALPHA_1995 in self.measures and code_variables:
            ids = [v.code.id for v in code_variables]
            self._unitizing_all_codes(
                ids, [s for c in ids for s in by_variable.get(c, [])]
            )

    def _unitizing_variable(self, variable: _Variable, spans: list[Span]) -> None:
        """Pooled and per-document rows of one variable (and a domain's values)."""
        label_of = self._unitizing_labels(variable)
        for group in self.groups:
            documents = self._unitizing_docs(group)
            figures, per_value = self._unitizing_figures(
                variable, spans, label_of, group, documents, pooled=True
            )
            self._add(variable.key, group, None, figures)
            for child_key, child_figures in per_value.items():
                self._add(child_key, group, None, child_figures)
            for doc in documents if self.per_document else []:
                doc_figures, doc_values = self._unitizing_figures(
                    variable, spans, label_of, group, [doc], pooled=False
                )
                self._add(variable.key, group, doc.id, doc_figures)
                for child_key, child_figures in doc_values.items():
                    self._add(child_key, group, doc.id, child_figures)

    @staticmethod
    def _value_variables(variable: _Variable) -> list[Variable]:
        """A domain's values, each a variable of the report (unitizing only)."""
        return [
            Variable(
                key=f"v{child.id}",
                code=child.id,
                name=child.name,
                path=child.path,
                kind="value",
                domain=variable.key,
                level=variable.code.level,
                value=child.value,
            )
            for child in variable.values
        ]

    def _unitizing_all_codes(self, ids: list[int], spans: list[Span]) -> None:
        """All codes: only α_U (1995) pools codes that may overlap."""
        for group in self.groups:
            documents = self._unitizing_docs(group)
            for document in [None, *documents]:
                docs = documents if document is None else [document]
                result, length, n_units = self._alpha_1995(
                    spans, {c: c for c in ids}, group, docs
                )
                figures = {
                    m: _figure(
                        None,
                        length,
                        reason="uα needs mutually exclusive values: see each "
                        "code, or mark a domain",
                    )
                    for m in self.measures
                    if m != U_ALPHA_1995
                }
                figures[U_ALPHA_1995] = _figure(
                    result.alpha if result else None,
                    length,
                    reason=(result.reason if result else "no document"),
                    units=n_units,
                    note="1 − mean D_o / mean D_e over the codes",
                )
                self._add(
                    ALL_CODES, group, None if document is None else document.id, figures
                )

    def _unitizing_labels(self, variable: _Variable) -> dict[int, object]:
        if variable.kind == "code":
            return {variable.code.id: variable.code.id}
        level = variable.code.level
        if level != "nominal" and all(c.value is not None for c in variable.values):
            return {c.id: c.value for c in variable.values}
        return {c.id: c.id for c in variable.values}

    def _unitizing_docs(self, group: _Group) -> list[DocumentData]:
        """Every coder of the group must have worked on a document of the continuum."""
        return [
            d
            for d in self.data.documents
            if all(c in d.coders for c in group.coder_ids) and d.length > 0
        ]

    def _continuum(self, spans, label_of, group: _Group, documents):
        """Each coder's (start, end, label) spans with the documents end to end."""
        offsets, position = {}, 0
        for doc in documents:
            offsets[doc.id] = position
            position += doc.length
        column = {c: i for i, c in enumerate(group.coder_ids)}
        per_coder: list[list] = [[] for _ in group.coder_ids]
        for doc, code, coder, start, end in spans:
            if doc in offsets and coder in column and code in label_of and start < end:
                per_coder[column[coder]].append(
                    (start + offsets[doc], end + offsets[doc], label_of[code])
                )
        return per_coder, position

    def _alpha_1995(self, spans, label_of, group: _Group, documents):
        per_coder, length = self._continuum(spans, label_of, group, documents)
        if length <= 0:
            return None, 0, 0
        categories = sorted(set(label_of.values()), key=repr)
        result = unitizing_alpha_1995(per_coder, length=length, categories=categories)
        return result, length, sum(len(c) for c in per_coder)

    def _unitizing_figures(
        self, variable: _Variable, spans, label_of, group, documents, *, pooled: bool
    ) -> tuple[dict, dict]:
        """The uα family and α_U of one variable for one coder group, and a
        domain's per-value figures (value key → measure → figure)."""
        if variable.kind == "domain" and not variable.values:
            return self._undefined("the domain has no sub-codes"), {}
        per_coder, length = self._continuum(spans, label_of, group, documents)
        if length <= 0:
            return self._undefined(
                "no document on which every coder of the group worked"
                if not group.is_pair
                else "no document on which both coders worked"
            ), {}
        figures: dict[str, Figure] = {}
        per_value: dict[str, dict[str, Figure]] = defaultdict(dict)
        conflict = 0
        if {U_ALPHA, BINARY_U_ALPHA, CU_ALPHA, K_U_ALPHA} & set(self.measures):
            conflict = self._u_family(
                variable, per_coder, label_of, length, figures, per_value
            )
        if U_ALPHA_1995 in self.measures:
            self._u_alpha_1995(
                variable,
                (spans, label_of, group, documents),
                length,
                figures,
                per_value,
            )
        if variable.kind == "domain" and pooled:
            self.conflicts[variable.key] = max(
                self.conflicts.get(variable.key, 0), conflict
            )
        return figures, dict(per_value)

    def _undefined(self, reason: str) -> dict[str, Figure]:
        return {m: _figure(None, 0, reason=reason) for m in self.measures}

    def _u_family(
        self, variable: _Variable, per_coder, label_of, length, figures, per_value
    ) -> int:
        """uα, |uα, cuα and (k)uα into ``figures``; the conflicting characters."""
        resolved = resolve_overlaps(per_coder)
        conflict = sum(resolved.conflict_length)
        level = variable.code.level if variable.kind == "domain" else "nominal"
        numeric = all(isinstance(v, float) for v in label_of.values())
        if level != "nominal" and not numeric:
            level = "nominal"
        values = sorted(set(label_of.values()), key=repr)
        result = unitizing_alpha(
            resolved.spans, length=length, level=Level(level), values=values
        )
        for measure, value, key in (
            (U_ALPHA, result.u_alpha, "u_alpha"),
            (BINARY_U_ALPHA, result.binary_alpha, "binary_alpha"),
            (CU_ALPHA, result.cu_alpha, "cu_alpha"),
        ):
            if measure in self.measures:
                extra = {"units": result.n_units, "conflict_length": conflict}
                if measure == CU_ALPHA:
                    extra["coverage"] = _num(result.cu_coverage)
                    extra["level"] = level
                figures[measure] = _figure(
                    value, length, reason=result.reasons.get(key), **extra
                )
        if K_U_ALPHA in self.measures:
            self._k_u_alpha(variable, result, label_of, length, figures, per_value)
        return conflict

    @staticmethod
    def _k_u_alpha(variable: _Variable, result, label_of, length, figures, per_value):
        """(k)uα of a code, or of each value of a domain."""
        by_label = {pv.value: pv for pv in result.per_value}
        if variable.kind == "code":
            pv = by_label.get(variable.code.id)
            figures[K_U_ALPHA] = _figure(
                pv.alpha if pv else None,
                length,
                reason=(pv.reason if pv else "no units"),
                coverage=_num(pv.coverage) if pv else None,
                units=result.n_units,
            )
            return
        figures[K_U_ALPHA] = _figure(
            None, length, reason="per value: see the domain's values"
        )
        for child in variable.values:
            pv = by_label.get(label_of[child.id])
            per_value[f"v{child.id}"][K_U_ALPHA] = _figure(
                pv.alpha if pv else None,
                length,
                reason=(pv.reason if pv else "no units"),
                coverage=_num(pv.coverage) if pv else None,
            )

    def _u_alpha_1995(
        self, variable: _Variable, source, length, figures, per_value
    ) -> None:
        """Krippendorff's (1995/2004) α_U, and per value of a domain."""
        spans, label_of, group, documents = source
        result, _length, n_units = self._alpha_1995(spans, label_of, group, documents)
        figures[U_ALPHA_1995] = _figure(
            result.alpha,
            length,
            reason=result.reason,
            units=n_units,
            note="Krippendorff (1995/2004) per-category α_U"
            + (", all values" if variable.kind == "domain" else ""),
        )
        if variable.kind != "domain":
            return
        by_category = {c.category: c for c in result.per_category}
        for child in variable.values:
            category = by_category.get(label_of[child.id])
            per_value[f"v{child.id}"][U_ALPHA_1995] = _figure(
                category.alpha if category else None,
                length,
                reason=(category.reason if category else "no units"),
                units=category.n_units if category else 0,
            )

    # Disagreements --------------------------------------------------------------------

    def disagreements(self) -> Disagreements:
        """variable → pair → the stretches where the two coders differ."""
        by_doc_code: dict[tuple[int, int], list[Span]] = defaultdict(list)
        for span in self.data.spans:
            by_doc_code[(span[0], span[1])].append(span)
        pairs = [group for group in self.groups if group.is_pair]
        return Disagreements(
            {
                variable.key: {
                    group.key: self._pair_disagreements(variable, group, by_doc_code)
                    for group in pairs
                }
                for variable in self.variables
            }
        )

    def _pair_disagreements(
        self, variable: _Variable, group: _Group, by_doc_code
    ) -> PairDisagreements:
        """Where one coder pair differs on one variable, over the documents."""
        value_codes = (
            [c.id for c in variable.values]
            if variable.kind == "domain"
            else [variable.code.id]
        )
        granular = self.data.unit in (SENTENCE, TURN)
        a, b = group.coder_ids
        stretches: list[Stretch] = []
        total = 0
        for doc in self.data.documents:
            if a not in doc.coders or b not in doc.coders:
                continue
            spans_a, spans_b = _pair_spans(by_doc_code, doc.id, value_codes, a, b)
            if not spans_a and not spans_b:
                continue
            found = disagreement_stretches(
                spans_a,
                spans_b,
                unit_starts=list(doc.unit_starts or ()) if granular else None,
                length=doc.length,
                document=doc.id,
            )
            total += len(found)
            stretches += found[: MAX_STRETCHES - len(stretches)]
        return PairDisagreements(total=total, stretches=tuple(stretches))


def _pair_spans(by_doc_code, document: int, codes, a: int, b: int):
    """Each coder's ``(start, end, code)`` spans of these codes in one document."""
    spans_a, spans_b = [], []
    for code in codes:
        for _d, c, coder, start, end in by_doc_code.get((document, code), ()):
            if coder == a:
                spans_a.append((start, end, c))
            elif coder == b:
                spans_b.append((start, end, c))
    return spans_a, spans_b


def _expand(spans, starts: list[int] | None, length: int):
    """Snap spans outward to whole units (sentences, turns)."""
    if not starts:
        return list(spans)
    out = []
    for start, end, label in spans:
        first = starts[max(bisect_right(starts, start) - 1, 0)]
        index = bisect_right(starts, end - 1)
        last = starts[index] if index < len(starts) else length
        out.append((first, max(last, first + 1), label))
    return out


def _components(items: list[tuple]) -> list[list[tuple]]:
    """Sorted spans grouped into runs of overlapping ones."""
    components: list[list[tuple]] = []
    reach = -1
    for item in items:
        if not components or item[0] >= reach:
            components.append([item])
            reach = item[1]
        else:
            components[-1].append(item)
            reach = max(reach, item[1])
    return components


def _differing(
    component: list[tuple], unit_starts: list[int] | None
) -> tuple[int, int | None]:
    """How much of a component the two sides label differently, and where first."""
    points = sorted({p for s, e, _l, _side in component for p in (s, e)})
    differing = 0
    first_difference = None
    for left, right in zip(points, points[1:], strict=False):
        labels: list[set] = [set(), set()]
        for s, e, label, side in component:
            if s <= left and e >= right:
                labels[side].add(label)
        if labels[0] != labels[1]:
            if unit_starts:
                differing += bisect_left(unit_starts, right) - bisect_left(
                    unit_starts, left
                )
            else:
                differing += right - left
            if first_difference is None:
                first_difference = left
    return differing, first_difference


def disagreement_stretches(
    spans_a: Sequence[tuple[int, int, int]],
    spans_b: Sequence[tuple[int, int, int]],
    *,
    unit_starts: list[int] | None = None,
    length: int = 0,
    document: int = 0,
) -> list[Stretch]:
    """Stretches where two coders' coding differs, at characters or whole units.

    Both coders' spans (``(start, end, label)``; the label is the code, or a
    domain's sub-code) are grouped into stretches of overlapping spans, as the
    side-by-side page does; a stretch is listed when, somewhere inside it, the set
    of labels one coder applied differs from the other's. With ``unit_starts`` the
    spans are first widened to whole units, so a difference inside one sentence or
    turn that both coders coded does not count. ``differing`` is the number of
    characters (or units) that differ; ``at`` the first of them.
    """
    a = _expand(spans_a, unit_starts, length)
    b = _expand(spans_b, unit_starts, length)
    items = sorted(
        [(s, e, label, 0) for s, e, label in a]
        + [(s, e, label, 1) for s, e, label in b]
    )
    stretches = []
    for component in _components(items):
        differing, first_difference = _differing(component, unit_starts)
        if not differing:
            continue
        start = min(s for s, _e, _l, _side in component)
        end = max(e for _s, e, _l, _side in component)
        stretches.append(
            Stretch(
                document=document,
                start=start,
                end=end,
                at=first_difference,
                differing=differing,
                a=tuple(
                    (s, e, label) for s, e, label in spans_a if s < end and e > start
                ),
                b=tuple(
                    (s, e, label) for s, e, label in spans_b if s < end and e > start
                ),
            )
        )
    return stretches


def _variables_out(
    builder: _Builder, disagreements: Disagreements
) -> tuple[Variable, ...]:
    """The report's variables: each code and domain, all codes, a domain's values."""
    variables = [
        Variable(
            key=v.key,
            code=v.code.id,
            name=v.code.name,
            path=v.code.path,
            kind=v.kind,
            level=v.code.level if v.kind == "domain" else "nominal",
            values=tuple(VariableValue(c.id, c.name, c.value) for c in v.values),
            conflicts=builder.conflicts.get(v.key, 0),
            disagreements=disagreements.total(v.key),
        )
        for v in builder.variables
    ]
    if any(v.kind == "code" for v in builder.variables):
        variables.append(
            Variable(
                key=ALL_CODES,
                code=None,
                name="All codes",
                path="All codes",
                kind="all_codes",
                level="nominal",
            )
        )
    return (*variables, *builder.extra_variables)


def _units_of(data: AgreementInput, doc: DocumentData) -> int:
    """Units of a document: sentences or turns, else characters."""
    return len(doc.unit_starts or ()) if data.unit in (SENTENCE, TURN) else doc.length


def _unit_info(data: AgreementInput) -> UnitInfo:
    unit_counts: dict[str, int] = defaultdict(int)
    for doc in data.documents:
        unit_counts[doc.unit_kind] += 1
    return UnitInfo(
        name=data.unit,
        label=UNIT_LABELS[data.unit],
        documents_by_unit=dict(sorted(unit_counts.items())),
        units=sum(_units_of(data, d) for d in data.documents),
    )


def _selection_out(data: AgreementInput, measures: Sequence[str]) -> ReportSelection:
    return ReportSelection(
        unit=data.unit,
        measures=tuple(measures),
        documents=tuple(d.id for d in data.documents),
        coders=tuple(c for c, _name in data.coders),
        codes=tuple(c.id for c in data.codes),
        n_resamples=data.n_resamples,
        seed=data.seed,
        confidence=data.confidence,
        thresholds=dict(data.thresholds),
    )


def _documents_out(data: AgreementInput) -> tuple[DocumentInfo, ...]:
    return tuple(
        DocumentInfo(
            id=d.id,
            title=d.title,
            length=d.length,
            units=_units_of(data, d),
            unit_kind=d.unit_kind,
            coders=tuple(sorted(c for c, _n in data.coders if c in d.coders)),
        )
        for d in data.documents
    )


def build_report(
    data: AgreementInput, progress: Callable[[float], None] | None = None
) -> tuple[Report, Disagreements]:
    """The report (see the module docstring) and the disagreement lists."""
    if data.unit not in UNITS:
        raise ValueError(f"unknown unit {data.unit!r}")
    builder = _Builder(data, progress)
    if data.unit == CHARACTER:
        builder.characters()
    elif data.unit == UNITIZING:
        builder.unitizing()
    else:
        builder.segments()
    disagreements = builder.disagreements()
    report = Report(
        format=FORMAT,
        selection=_selection_out(data, builder.measures),
        unit=_unit_info(data),
        coders=tuple(Coder(c, name) for c, name in data.coders),
        documents=_documents_out(data),
        groups=tuple(g.public for g in builder.groups),
        measures=tuple(MeasureInfo(m, MEASURE_LABELS[m]) for m in builder.measures),
        variables=_variables_out(builder, disagreements),
        rows=tuple(builder.rows),
        document_rows_cover="every code" if builder.per_document else "all codes",
        document_rows=tuple(builder.document_rows),
    )
    return report, disagreements


CSV_HEADER = (
    "variable",
    "code_id",
    "code",
    "kind",
    "level",
    "coders",
    "document_id",
    "document",
    "unit",
    "measure",
    "value",
    "n",
    "ci_low",
    "ci_high",
    "resamples",
    "mean_over_documents",
    "verdict",
    "reason",
    "note",
)


def report_csv_rows(report: Report):
    """The report as table rows, one per figure: the header, then pooled rows, then
    per-document rows. Numbers stay numbers (int/float), undefined values empty."""
    yield CSV_HEADER
    variables = {v.key: v for v in report.variables}
    groups = {g.key: g.label for g in report.groups}
    titles = {d.id: d.title for d in report.documents}
    unit = report.selection.unit
    for row in [*report.rows, *report.document_rows]:
        variable = variables.get(row.variable)
        for measure, figure in row.measures.items():
            yield (
                row.variable,
                variable.code if variable else None,
                variable.path if variable else "",
                variable.kind if variable else "",
                variable.level if variable else "",
                groups.get(row.group, row.group),
                row.document,
                titles.get(row.document, "") if row.document else "",
                unit,
                measure,
                figure.value,
                figure.n,
                figure.ci_low,
                figure.ci_high,
                figure.resamples,
                figure.mean,
                figure.verdict or "",
                figure.reason or "",
                figure.note or "",
            )
