"""The methods paragraph of an agreement report, in English and in Dutch.

Pure module: a report (``agreement.report.build_report``, plus the project
and codebook version the service adds) in, two paragraphs out. Both languages are
written here rather than through gettext because a researcher needs both at once,
whatever language the interface speaks: the English one for an article, the Dutch
one for a thesis. The Dutch paragraph writes decimal commas (0,812) and thousands
points (1.234), as Dutch style guides ask.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

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

NAMES = {
    "en": {
        PERCENT: "percentage agreement",
        COHEN: "Cohen's κ",
        FLEISS: "Fleiss' κ",
        ALPHA: "Krippendorff's α",
        AC1: "Gwet's AC1",
        NVIVO: "NVivo's κ",
        U_ALPHA: "Krippendorff's uα",
        BINARY_U_ALPHA: "Krippendorff's |uα",
        CU_ALPHA: "Krippendorff's cuα",
        K_U_ALPHA: "Krippendorff's (k)uα",
        U_ALPHA_1995: "Krippendorff's (1995/2004) unitizing α_U",
    },
    "nl": {
        PERCENT: "de procentuele overeenstemming",
        COHEN: "Cohens κ",
        FLEISS: "Fleiss' κ",
        ALPHA: "Krippendorffs α",
        AC1: "Gwets AC1",
        NVIVO: "NVivo's κ",
        U_ALPHA: "Krippendorffs uα",
        BINARY_U_ALPHA: "Krippendorffs |uα",
        CU_ALPHA: "Krippendorffs cuα",
        K_U_ALPHA: "Krippendorffs (k)uα",
        U_ALPHA_1995: "Krippendorffs unitizing-α_U (1995/2004)",
    },
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
    "en": {
        CHARACTER: (
            "the character: for every code, each character was coded or not by each "
            "coder, as in NVivo's Coding Comparison query",
            "characters",
        ),
        SENTENCE: (
            "the sentence: a sentence counted as coded with a code when any of its "
            "characters was",
            "sentences",
        ),
        TURN: (
            "the speaker turn (the paragraph where a transcript had no turns): each "
            "coder's set of codes per turn was compared",
            "turns",
        ),
        UNITIZING: (
            "the coders' own segments: the lengths and positions of the coded "
            "stretches were compared on the continuum of the transcripts",
            "characters",
        ),
    },
    "nl": {
        CHARACTER: (
            "het teken: voor elke code werd elk teken door elke codeur al dan niet "
            "gecodeerd, zoals in NVivo's Coding Comparison query",
            "tekens",
        ),
        SENTENCE: (
            "de zin: een zin gold als gecodeerd met een code wanneer een van zijn "
            "tekens dat was",
            "zinnen",
        ),
        TURN: (
            "de sprekersbeurt (de alinea waar een transcript geen beurten had): per "
            "beurt werd de verzameling codes van elke codeur vergeleken",
            "beurten",
        ),
        UNITIZING: (
            "de eigen segmenten van de codeurs: lengte en plaats van de gecodeerde "
            "stukken werden vergeleken op het continuüm van de transcripten",
            "tekens",
        ),
    },
}

NOTES_NL = {
    "mean over coder pairs": "gemiddelde over de codeursparen",
    "mean of the pairs' Cohen's κ, Light's κ": "gemiddelde van de Cohens κ van de "
    "paren, Lights κ",
    "length-weighted over documents": "naar lengte gewogen over de documenten",
    "binary: coded / not coded": "binair: gecodeerd / niet gecodeerd",
}
SINGULAR = {
    "en": {CHARACTER: "character", SENTENCE: "sentence", TURN: "turn"},
    "nl": {CHARACTER: "teken", SENTENCE: "zin", TURN: "beurt"},
}


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


def figure_text(measure: str, figure: dict, language: str) -> str:
    """A value as a paragraph (and a CSV cell) writes it: 87.5 % or 0.812."""
    if measure == PERCENT:
        return (
            number(figure.get("value"), language, 1) + " %"
            if figure.get("value") is not None
            else "–"
        )
    return number(figure.get("value"), language)


def _names(names: Sequence[str], language: str) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    joiner = " and " if language == "en" else " en "
    return ", ".join(names[:-1]) + joiner + names[-1]


def headline_group(report: dict) -> str:
    """The pair when there are two coders (its κ has an interval), else all."""
    pairs = [g["key"] for g in report["groups"] if g["key"] != ALL_GROUP]
    return pairs[0] if len(pairs) == 1 else ALL_GROUP


def _pooled_row(report: dict, measure: str) -> tuple[dict | None, str]:
    """The headline figure: all codes (else the first variable), all coders."""
    rows = [r for r in report["rows"] if r["document"] is None]
    group = headline_group(report)
    variables = [
        v["key"] for v in report["variables"] if v["kind"] in {"code", "domain"}
    ]
    order = variables if len(variables) == 1 else [ALL_CODES, *variables]
    for key in order:
        for row in rows:
            if (
                row["variable"] == key
                and row["group"] == group
                and measure in row["measures"]
            ):
                return row["measures"][measure], key
    return None, ""


def _per_code(report: dict, measure: str) -> list[float]:
    keys = {v["key"] for v in report["variables"] if v["kind"] in {"code", "domain"}}
    return [
        row["measures"][measure]["value"]
        for row in report["rows"]
        if row["document"] is None
        and row["group"] == headline_group(report)
        and row["variable"] in keys
        and measure in row["measures"]
        and row["measures"][measure]["value"] is not None
    ]


def _verdict_counts(report: dict, measure: str) -> dict[str, int]:
    keys = {v["key"] for v in report["variables"] if v["kind"] in {"code", "domain"}}
    counts = {"good": 0, "tentative": 0, "poor": 0, "undefined": 0}
    for row in report["rows"]:
        if (
            row["document"] is None
            and row["group"] == headline_group(report)
            and row["variable"] in keys
            and measure in row["measures"]
        ):
            counts[row["measures"][measure].get("verdict", "undefined")] += 1
    return counts


def _measure_sentence(report: dict, measure: str, language: str) -> str:
    figure, key = _pooled_row(report, measure)
    if figure is None:
        return ""
    name = NAMES[language][measure] + REFERENCES[measure]
    unit_word = UNIT_PHRASES[language][report["selection"]["unit"]][1]
    variable = next((v for v in report["variables"] if v["key"] == key), None)
    pooled_all = key == ALL_CODES
    if pooled_all and report["selection"]["unit"] != UNITIZING:
        single = SINGULAR[language][report["selection"]["unit"]]
        unit_word = (
            f"code × {single} decisions"
            if language == "en"
            else f"beslissingen (code × {single})"
        )
    two = len(report["coders"]) == 2
    if language == "en":
        scope = "over all codes" if pooled_all else f"for “{variable['name']}”"
        who = "for the two coders" if two else "for all coders together"
        text = f"{name[0].upper()}{name[1:]} {who} {scope} was {figure_text(measure, figure, language)}"
        if figure.get("ci_low") is not None and figure.get("ci_high") is not None:
            text += (
                f" (95 % CI {number(figure['ci_low'], language)}–"
                f"{number(figure['ci_high'], language)})"
            )
        text += f", N = {count(figure['n'], language)} {unit_word}"
        if figure.get("note"):
            text += f" ({figure['note']})"
        text += "."
        if figure["value"] is None and figure.get("reason"):
            text += f" It is undefined here: {figure['reason']}."
    else:
        scope = "over alle codes" if pooled_all else f"voor ‘{variable['name']}’"
        who = "voor de twee codeurs" if two else "voor alle codeurs samen"
        text = f"{name[0].upper()}{name[1:]} {who} {scope} bedroeg {figure_text(measure, figure, language)}"
        if figure.get("ci_low") is not None and figure.get("ci_high") is not None:
            text += (
                f" (95%-BI {number(figure['ci_low'], language)}–"
                f"{number(figure['ci_high'], language)})"
            )
        text += f", N = {count(figure['n'], language)} {unit_word}"
        if figure.get("note") in NOTES_NL:
            text += f" ({NOTES_NL[figure['note']]})"
        text += "."
        if figure["value"] is None:
            text += " De waarde is hier niet gedefinieerd."
    values = _per_code(report, measure)
    if len(values) >= 2:
        counts = _verdict_counts(report, measure)
        total = sum(counts.values())
        low, high = number(min(values), language), number(max(values), language)
        median = number(statistics.median(values), language)
        if measure == PERCENT:
            low, high, median = (
                number(min(values), language, 1) + " %",
                number(max(values), language, 1) + " %",
                number(statistics.median(values), language, 1) + " %",
            )
        if language == "en":
            text += (
                f" Per code it ranged from {low} to {high} (median {median}); "
                f"{counts['good']} of {total} codes reached the threshold for good "
                f"agreement and {counts['tentative']} the tentative one."
            )
        else:
            text += (
                f" Per code varieerde de waarde van {low} tot {high} (mediaan "
                f"{median}); {counts['good']} van de {total} codes haalden de drempel "
                f"voor goede overeenstemming en {counts['tentative']} de voorlopige."
            )
    return text


def methods_paragraphs(report: dict) -> dict[str, str]:
    """``{"en": ..., "nl": ...}``: measure, unit, coders, documents, N and result."""
    return {language: _paragraph(report, language) for language in ("en", "nl")}


def _paragraph(report: dict, language: str) -> str:
    selection = report["selection"]
    unit = selection["unit"]
    coders = [c["username"] for c in report["coders"]]
    n_docs = len(report["documents"])
    kinds = [v["kind"] for v in report["variables"]]
    n_codes, n_domains = kinds.count("code"), kinds.count("domain")
    domains = [v for v in report["variables"] if v["kind"] == "domain"]
    version = report.get("codebook_version")
    thresholds = selection["thresholds"]
    phrase = UNIT_PHRASES[language][unit][0]
    n_units = count(report["unit"]["units"], language)
    unit_word = UNIT_PHRASES[language][unit][1]
    measures = selection["measures"]
    coefficient = [m for m in measures if m != PERCENT]
    parts = []
    if language == "en":
        what = f"{n_codes} code{'s' if n_codes != 1 else ''}"
        if n_domains:
            what += f" and {n_domains} domain{'s' if n_domains != 1 else ''}"
        if version:
            what += f" of codebook version {version['number']}" + (
                f" (“{version['name']}”)" if version.get("name") else ""
            )
        parts.append(
            f"Inter-coder agreement was computed with Regie for {what} on "
            f"{n_docs} document{'s' if n_docs != 1 else ''} ({n_units} {unit_word}) "
            f"coded independently by {len(coders)} coders ({_names(coders, language)})."
        )
        parts.append(
            f"The unit of analysis was {phrase}; a coder who had not worked on a "
            "document (neither assigned nor coding anything in it) counted as missing "
            "there, not as disagreeing."
        )
        if domains:
            names = _names([f"“{d['name']}”" for d in domains], language)
            parts.append(
                f"Each domain ({names}) was treated as one variable whose value is the "
                "sub-code applied (missing where a coder applied none of them), at the "
                "level of measurement set for it; every other code as a binary "
                "variable (applied or not)."
            )
        parts += [
            s for s in (_measure_sentence(report, m, language) for m in measures) if s
        ]
        if selection["n_resamples"] and any(
            m in measures for m in (COHEN, FLEISS, ALPHA, AC1, NVIVO)
        ):
            resampled = (
                "documents"
                if unit == CHARACTER
                else "units (documents for NVivo's κ)"
                if NVIVO in measures
                else "units"
            )
            parts.append(
                f"Confidence intervals are 95 % percentile bootstrap intervals "
                f"({count(selection['n_resamples'], language)} resamples of the "
                f"{resampled}, seed {selection['seed']})."
            )
        if coefficient:
            parts.append(
                f"Coefficients were judged good from {number(thresholds['good'], language)} "
                f"and tentatively acceptable from {number(thresholds['tentative'], language)} "
                "(Krippendorff, 2019)"
                + (
                    f"; percentage agreement good from {number(thresholds['percent_good'], language, 0)} % "
                    f"and tentative from {number(thresholds['percent_tentative'], language, 0)} %."
                    if PERCENT in measures
                    else "."
                )
            )
        elif PERCENT in measures:
            parts.append(
                f"Percentage agreement was judged good from {number(thresholds['percent_good'], language, 0)} % "
                f"and tentative from {number(thresholds['percent_tentative'], language, 0)} %."
            )
    else:
        what = f"{n_codes} code{'s' if n_codes != 1 else ''}"
        if n_domains:
            what += f" en {n_domains} domein{'en' if n_domains != 1 else ''}"
        if version:
            what += f" van codeboekversie {version['number']}" + (
                f" (‘{version['name']}’)" if version.get("name") else ""
            )
        parts.append(
            f"De intercodeursbetrouwbaarheid werd met Regie berekend voor {what} op "
            f"{n_docs} document{'en' if n_docs != 1 else ''} ({n_units} {unit_word}), "
            f"onafhankelijk gecodeerd door {len(coders)} codeurs ({_names(coders, language)})."
        )
        parts.append(
            f"De analyse-eenheid was {phrase}; een codeur die niet aan een document "
            "had gewerkt (er niet aan toegewezen en er niets in gecodeerd) telde daar "
            "als ontbrekend, niet als afwijkend."
        )
        if domains:
            names = _names([f"‘{d['name']}’" for d in domains], language)
            parts.append(
                f"Elk domein ({names}) werd behandeld als één variabele met als waarde "
                "de toegepaste subcode (ontbrekend waar een codeur er geen toepaste), op "
                "het meetniveau dat ervoor was ingesteld; elke andere code als een "
                "binaire variabele (toegepast of niet)."
            )
        parts += [
            s for s in (_measure_sentence(report, m, language) for m in measures) if s
        ]
        if selection["n_resamples"] and any(
            m in measures for m in (COHEN, FLEISS, ALPHA, AC1, NVIVO)
        ):
            resampled = (
                "documenten"
                if unit == CHARACTER
                else "eenheden (documenten voor NVivo's κ)"
                if NVIVO in measures
                else "eenheden"
            )
            parts.append(
                f"Betrouwbaarheidsintervallen zijn 95%-percentiel-bootstrapintervallen "
                f"({count(selection['n_resamples'], language)} hersteekproeven van de "
                f"{resampled}, seed {selection['seed']})."
            )
        if coefficient:
            parts.append(
                f"Coëfficiënten golden als goed vanaf {number(thresholds['good'], language)} "
                f"en als voorlopig aanvaardbaar vanaf {number(thresholds['tentative'], language)} "
                "(Krippendorff, 2019)"
                + (
                    f"; de procentuele overeenstemming als goed vanaf {number(thresholds['percent_good'], language, 0)} % "
                    f"en als voorlopig vanaf {number(thresholds['percent_tentative'], language, 0)} %."
                    if PERCENT in measures
                    else "."
                )
            )
        elif PERCENT in measures:
            parts.append(
                f"De procentuele overeenstemming gold als goed vanaf {number(thresholds['percent_good'], language, 0)} % "
                f"en als voorlopig vanaf {number(thresholds['percent_tentative'], language, 0)} %."
            )
    return " ".join(parts)
