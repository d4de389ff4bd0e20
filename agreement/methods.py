"""The methods paragraph of an agreement report, in English and in Dutch.

Pure module: a report (``agreement.report.build_report``) and the codebook version
in, two paragraphs out. A researcher needs both at once, whatever language the
interface speaks (the English one for an article, the Dutch one for a thesis), so
each paragraph is written once in English and rendered under
``translation.override`` for each language; the Dutch wording lives in
``locale/nl/LC_MESSAGES/django.po`` (context ``agreement methods``). The Dutch
paragraph writes decimal commas (0,812) and thousands points (1.234), as Dutch
style guides ask.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import npgettext, pgettext, pgettext_lazy

from agreement.report import (
    AC1,
    ALL_CODES,
    ALL_GROUP,
    ALPHA,
    BINARY_U_ALPHA,
    CHARACTER,
    COHEN,
    CU_ALPHA,
    FLEISS,
    K_U_ALPHA,
    NVIVO,
    PERCENT,
    SENTENCE,
    TURN,
    U_ALPHA,
    U_ALPHA_1995,
    UNITIZING,
)
from agreement.results import Figure, Methods, Report, VersionRef

LANGUAGES = ("en", "nl")

NAMES = {
    PERCENT: pgettext_lazy("agreement methods", "percentage agreement"),
    COHEN: pgettext_lazy("agreement methods", "Cohen's κ"),
    FLEISS: pgettext_lazy("agreement methods", "Fleiss' κ"),
    ALPHA: pgettext_lazy("agreement methods", "Krippendorff's α"),
    AC1: pgettext_lazy("agreement methods", "Gwet's AC1"),
    NVIVO: pgettext_lazy("agreement methods", "NVivo's κ"),
    U_ALPHA: pgettext_lazy("agreement methods", "Krippendorff's uα"),
    BINARY_U_ALPHA: pgettext_lazy("agreement methods", "Krippendorff's |uα"),
    CU_ALPHA: pgettext_lazy("agreement methods", "Krippendorff's cuα"),
    K_U_ALPHA: pgettext_lazy("agreement methods", "Krippendorff's (k)uα"),
    U_ALPHA_1995: pgettext_lazy(
        "agreement methods", "Krippendorff's (1995/2004) unitizing α_U"
    ),
}
REFERENCES = {
    PERCENT: "",
    COHEN: " (Cohen, 1960)",
    FLEISS: " (Fleiss, 1971)",
    ALPHA: " (Krippendorff, 2019)",
    AC1: " (Gwet, 2008)",
    NVIVO: " (QSR International, Coding Comparison query)",
    U_ALPHA: " (Krippendorff et al., 2016)",
    BINARY_U_ALPHA: " (Krippendorff et al., 2016)",
    CU_ALPHA: " (Krippendorff et al., 2016)",
    K_U_ALPHA: " (Krippendorff et al., 2016)",
    U_ALPHA_1995: " (Krippendorff, 1995)",
}
UNIT_PHRASES = {
    CHARACTER: pgettext_lazy(
        "agreement methods",
        "the character: for every code, each character was coded or not by each "
        "coder, as in NVivo's Coding Comparison query",
    ),
    SENTENCE: pgettext_lazy(
        "agreement methods",
        "the sentence: a sentence counted as coded with a code when any of its "
        "characters was",
    ),
    TURN: pgettext_lazy(
        "agreement methods",
        "the speaker turn (the paragraph where a transcript had no turns): each "
        "coder's set of codes per turn was compared",
    ),
    UNITIZING: pgettext_lazy(
        "agreement methods",
        "the coders' own segments: the lengths and positions of the coded "
        "stretches were compared on the continuum of the transcripts",
    ),
}
UNIT_WORDS = {
    CHARACTER: pgettext_lazy("agreement methods", "characters"),
    SENTENCE: pgettext_lazy("agreement methods", "sentences"),
    TURN: pgettext_lazy("agreement methods", "turns"),
    UNITIZING: pgettext_lazy("agreement methods", "characters"),
}
SINGULAR = {
    CHARACTER: pgettext_lazy("agreement methods", "character"),
    SENTENCE: pgettext_lazy("agreement methods", "sentence"),
    TURN: pgettext_lazy("agreement methods", "turn"),
}
# The report's notes are English data; only these have a translation, and a
# translated paragraph leaves out the others.
NOTES = {
    "mean over coder pairs": pgettext_lazy(
        "agreement methods", "mean over coder pairs"
    ),
    "mean of the pairs' Cohen's κ, Light's κ": pgettext_lazy(
        "agreement methods", "mean of the pairs' Cohen's κ, Light's κ"
    ),
    "length-weighted over documents": pgettext_lazy(
        "agreement methods", "length-weighted over documents"
    ),
    "binary: coded / not coded": pgettext_lazy(
        "agreement methods", "binary: coded / not coded"
    ),
}
BOOTSTRAPPED = (COHEN, FLEISS, ALPHA, AC1, NVIVO)


def number(value: float | None, language: str, digits: int = 3) -> str:
    """0.812 in English, 0,812 in Dutch; an en dash for an undefined value."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    if value < 0:
        text = "−" + text[1:]
    return text.replace(".", ",") if language == "nl" else text


def count(value: int, language: str) -> str:
    """1,234 in English, 1.234 in Dutch."""
    text = f"{int(value):,}"
    return text.replace(",", ".") if language == "nl" else text


def figure_text(measure: str, figure: Figure, language: str) -> str:
    """A value as a paragraph (and a CSV cell) writes it: 87.5 % or 0.812."""
    if measure == PERCENT:
        return (
            number(figure.value, language, 1) + " %"
            if figure.value is not None
            else "–"
        )
    return number(figure.value, language)


def _quoted(name: str) -> str:
    return pgettext("agreement methods", "“%(name)s”") % {"name": name}


def _names(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return pgettext("agreement methods", "%(names)s and %(last)s") % {
        "names": ", ".join(names[:-1]),
        "last": names[-1],
    }


def headline_group(report: Report) -> str:
    """The pair when there are two coders (its κ has an interval), else all."""
    pairs = [g.key for g in report.pairs]
    return pairs[0] if len(pairs) == 1 else ALL_GROUP


def _code_keys(report: Report) -> list[str]:
    return [v.key for v in report.variables if v.kind in {"code", "domain"}]


def _pooled_row(report: Report, measure: str) -> tuple[Figure | None, str]:
    """The headline figure: all codes (else the first variable), all coders."""
    group = headline_group(report)
    variables = _code_keys(report)
    order = variables if len(variables) == 1 else [ALL_CODES, *variables]
    for key in order:
        for row in report.rows:
            if (
                row.document is None
                and row.variable == key
                and row.group == group
                and measure in row.measures
            ):
                return row.measures[measure], key
    return None, ""


def _per_code(report: Report, measure: str) -> list[Figure]:
    """The headline group's pooled figures of each code and domain."""
    keys = set(_code_keys(report))
    group = headline_group(report)
    return [
        row.measures[measure]
        for row in report.rows
        if row.document is None
        and row.group == group
        and row.variable in keys
        and measure in row.measures
    ]


def _unit_word(report: Report, pooled_all: bool) -> str:
    unit = report.selection.unit
    if pooled_all and unit != UNITIZING:
        return pgettext("agreement methods", "code × %(unit)s decisions") % {
            "unit": SINGULAR[unit]
        }
    return str(UNIT_WORDS[unit])


def _note(note: str | None, language: str) -> str:
    if not note:
        return ""
    if note in NOTES:
        return f" ({NOTES[note]})"
    return f" ({note})" if language == "en" else ""


def _headline(report: Report, measure: str, figure: Figure, key: str, language: str):
    """“Krippendorff's α for the two coders over all codes was 0.812 (95 % CI …),
    N = 1,234 code × turn decisions.”"""
    pooled_all = key == ALL_CODES
    name = str(NAMES[measure]) + REFERENCES[measure]
    variable = report.variable(key)
    text = pgettext("agreement methods", "%(name)s %(who)s %(scope)s was %(value)s") % {
        "name": name[0].upper() + name[1:],
        "who": pgettext("agreement methods", "for the two coders")
        if len(report.coders) == 2
        else pgettext("agreement methods", "for all coders together"),
        "scope": pgettext("agreement methods", "over all codes")
        if pooled_all
        else pgettext("agreement methods", "for %(name)s")
        % {"name": _quoted(variable.name)},
        "value": figure_text(measure, figure, language),
    }
    if figure.has_interval:
        text += " " + pgettext("agreement methods", "(95 %% CI %(low)s–%(high)s)") % {
            "low": number(figure.ci_low, language),
            "high": number(figure.ci_high, language),
        }
    text += f", N = {count(figure.n, language)} {_unit_word(report, pooled_all)}"
    text += _note(figure.note, language) + "."
    if figure.value is None:
        # The Dutch paragraph leaves the (English) reason out:
        # xgettext:no-python-format
        undefined = pgettext("agreement methods", "It is undefined here: %(reason)s.")
        text += " " + undefined % {"reason": figure.reason}
    return text


def _spread(report: Report, measure: str, language: str) -> str:
    """“Per code it ranged from … to … (median …); n of m codes reached …”."""
    figures = _per_code(report, measure)
    values = [f.value for f in figures if f.value is not None]
    if len(values) < 2:
        return ""
    digits, suffix = (1, " %") if measure == PERCENT else (3, "")
    verdicts = [f.verdict or "undefined" for f in figures]
    return " " + pgettext(
        "agreement methods",
        "Per code it ranged from %(low)s to %(high)s (median %(median)s); %(good)d "
        "of %(total)d codes reached the threshold for good agreement and "
        "%(tentative)d the tentative one.",
    ) % {
        "low": number(min(values), language, digits) + suffix,
        "high": number(max(values), language, digits) + suffix,
        "median": number(statistics.median(values), language, digits) + suffix,
        "good": verdicts.count("good"),
        "total": len(figures),
        "tentative": verdicts.count("tentative"),
    }


def _measure_sentence(report: Report, measure: str, language: str) -> str:
    figure, key = _pooled_row(report, measure)
    if figure is None:
        return ""
    return _headline(report, measure, figure, key, language) + _spread(
        report, measure, language
    )


def _what(report: Report, version: VersionRef | None) -> str:
    """“3 codes and 1 domain of codebook version 2 (“Pilot”)”."""
    kinds = [v.kind for v in report.variables]
    n_codes, n_domains = kinds.count("code"), kinds.count("domain")
    what = npgettext("agreement methods", "%(n)d code", "%(n)d codes", n_codes) % {
        "n": n_codes
    }
    if n_domains:
        what = pgettext("agreement methods", "%(codes)s and %(domains)s") % {
            "codes": what,
            "domains": npgettext(
                "agreement methods", "%(n)d domain", "%(n)d domains", n_domains
            )
            % {"n": n_domains},
        }
    if version:
        what = pgettext(
            "agreement methods", "%(what)s of codebook version %(number)s"
        ) % {
            "what": what,
            "number": version.number,
        }
        if version.name:
            what += f" ({_quoted(version.name)})"
    return what


def _design_sentence(report: Report, version: VersionRef | None, language: str) -> str:
    coders = [c.username for c in report.coders]
    n_docs = len(report.documents)
    unit = report.selection.unit
    return pgettext(
        "agreement methods",
        "Inter-coder agreement was computed with Regie for %(what)s on "
        "%(documents)s (%(units)s %(unit_word)s) coded independently by "
        "%(coders)d coders (%(names)s).",
    ) % {
        "what": _what(report, version),
        "documents": npgettext(
            "agreement methods", "%(n)d document", "%(n)d documents", n_docs
        )
        % {"n": n_docs},
        "units": count(report.unit.units, language),
        "unit_word": UNIT_WORDS[unit],
        "coders": len(coders),
        "names": _names(coders),
    }


def _unit_sentence(report: Report) -> str:
    return pgettext(
        "agreement methods",
        "The unit of analysis was %(phrase)s; a coder who had not worked on a "
        "document (neither assigned nor coding anything in it) counted as missing "
        "there, not as disagreeing.",
    ) % {"phrase": UNIT_PHRASES[report.selection.unit]}


def _domains_sentence(report: Report) -> str:
    domains = [v for v in report.variables if v.kind == "domain"]
    if not domains:
        return ""
    return pgettext(
        "agreement methods",
        "Each domain (%(names)s) was treated as one variable whose value is the "
        "sub-code applied (missing where a coder applied none of them), at the "
        "level of measurement set for it; every other code as a binary variable "
        "(applied or not).",
    ) % {"names": _names([_quoted(d.name) for d in domains])}


def _bootstrap_sentence(report: Report, language: str) -> str:
    selection = report.selection
    measures = selection.measures
    if not selection.n_resamples or not any(m in measures for m in BOOTSTRAPPED):
        return ""
    resampled = (
        pgettext("agreement methods", "documents")
        if selection.unit == CHARACTER
        else pgettext("agreement methods", "units (documents for NVivo's κ)")
        if NVIVO in measures
        else pgettext("agreement methods", "units")
    )
    return pgettext(
        "agreement methods",
        "Confidence intervals are 95 %% percentile bootstrap intervals (%(n)s "
        "resamples of the %(resampled)s, seed %(seed)s).",
    ) % {
        "n": count(selection.n_resamples, language),
        "resampled": resampled,
        "seed": selection.seed,
    }


def _thresholds_sentence(report: Report, language: str) -> str:
    measures = report.selection.measures
    thresholds = report.selection.thresholds
    values = {
        "good": number(thresholds["good"], language),
        "tentative": number(thresholds["tentative"], language),
        "percent_good": number(thresholds["percent_good"], language, 0),
        "percent_tentative": number(thresholds["percent_tentative"], language, 0),
    }
    coefficients = [m for m in measures if m != PERCENT]
    if coefficients and PERCENT in measures:
        message = pgettext(
            "agreement methods",
            "Coefficients were judged good from %(good)s and tentatively acceptable "
            "from %(tentative)s (Krippendorff, 2019); percentage agreement good from "
            "%(percent_good)s %% and tentative from %(percent_tentative)s %%.",
        )
    elif coefficients:
        message = pgettext(
            "agreement methods",
            "Coefficients were judged good from %(good)s and tentatively acceptable "
            "from %(tentative)s (Krippendorff, 2019).",
        )
    elif PERCENT in measures:
        message = pgettext(
            "agreement methods",
            "Percentage agreement was judged good from %(percent_good)s %% and "
            "tentative from %(percent_tentative)s %%.",
        )
    else:
        return ""
    return message % values


def _paragraph(report: Report, version: VersionRef | None, language: str) -> str:
    """Design, unit, domains, one sentence per measure, bootstrap, thresholds."""
    with translation.override(language):
        sentences = [
            _design_sentence(report, version, language),
            _unit_sentence(report),
            _domains_sentence(report),
            *(
                _measure_sentence(report, m, language)
                for m in report.selection.measures
            ),
            _bootstrap_sentence(report, language),
            _thresholds_sentence(report, language),
        ]
    return " ".join(sentence for sentence in sentences if sentence)


def methods_paragraphs(report: Report, version: VersionRef | None = None) -> Methods:
    """Measure, unit, coders, documents, N and result, in English and in Dutch."""
    return Methods(
        **{language: _paragraph(report, version, language) for language in LANGUAGES}
    )
