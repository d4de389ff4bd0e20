"""The report's reasons and notes in the reader's language.

A run stores why a figure is undefined and how it was made (``Figure.reason`` and
``Figure.note``) as English data, so the CSV, the API and the methods paragraph
stay the same whoever computed it. Pages pass those texts through
``figure_words``: a known text comes back translated, an unknown one (an older
run's wording) as it is.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FIGURE_WORDS = {
    # reasons (why a figure is undefined)
    "undefined": _("undefined"),
    "not compared": _("not compared"),
    "no document": _("no document"),
    "no units": _("no units"),
    "no units at all": _("no units at all"),
    "no categories": _("no categories"),
    "no variation": _("no variation"),
    "no code to compare": _("no code to compare"),
    "no coder pair compared": _("no coder pair compared"),
    "no coder pair with a defined κ": _("no coder pair with a defined κ"),
    "no unit coded by both coders": _("no unit coded by both coders"),
    "no unit coded by every coder": _("no unit coded by every coder"),
    "no unit coded by two or more coders": _("no unit coded by two or more coders"),
    "no unit seen by two or more coders": _("no unit seen by two or more coders"),
    "no document on which both coders worked": _(
        "no document on which both coders worked"
    ),
    "no document on which every coder of the group worked": _(
        "no document on which every coder of the group worked"
    ),
    "NVivo's κ compares one code at a time": _("NVivo's κ compares one code at a time"),
    "no pairable values: no unit was coded by two or more coders": _(
        "no pairable values: no unit was coded by two or more coders"
    ),
    "no variation: every pairable value is the same, so α is undefined": _(
        "no variation: every pairable value is the same, so α is undefined"
    ),
    "no variation: both coders used a single, identical category": _(
        "no variation: both coders used a single, identical category"
    ),
    "no variation: every coder used the same single category": _(
        "no variation: every coder used the same single category"
    ),
    "no variation: every unit coded alike": _("no variation: every unit coded alike"),
    "no variation: every coder unitized the continuum alike and trivially": _(
        "no variation: every coder unitized the continuum alike and trivially"
    ),
    "no variation between coded and uncoded stretches": _(
        "no variation between coded and uncoded stretches"
    ),
    "no coded units of different coders overlap": _(
        "no coded units of different coders overlap"
    ),
    "no variation: intersecting units only pair with themselves": _(
        "no variation: intersecting units only pair with themselves"
    ),
    "no variation among the values of intersecting units": _(
        "no variation among the values of intersecting units"
    ),
    "no overlapping units with this value": _("no overlapping units with this value"),
    "no units of this category": _("no units of this category"),
    "per value: see the domain's values": _("per value: see the domain's values"),
    "uα needs mutually exclusive values: see each code, or mark a domain": _(
        "uα needs mutually exclusive values: see each code, or mark a domain"
    ),
    # notes (how a figure was made)
    "mean over coder pairs": _("mean over coder pairs"),
    "mean of the pairs' Cohen's κ, Light's κ": _(
        "mean of the pairs' Cohen's κ, Light's κ"
    ),
    "binary: coded / not coded": _("binary: coded / not coded"),
    "length-weighted over documents": _("length-weighted over documents"),
    "1 − mean D_o / mean D_e over the codes": _(
        "1 − mean D_o / mean D_e over the codes"
    ),
    "Krippendorff (1995/2004) per-category α_U": _(
        "Krippendorff (1995/2004) per-category α_U"
    ),
    "Krippendorff (1995/2004) per-category α_U, all values": _(
        "Krippendorff (1995/2004) per-category α_U, all values"
    ),
}


def figure_words(text: str | None) -> str:
    """``text`` translated when it is one of the report's known reasons or notes."""
    if not text:
        return ""
    words = FIGURE_WORDS.get(text)
    return str(words) if words is not None else text
