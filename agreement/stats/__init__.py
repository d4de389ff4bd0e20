"""Inter-coder agreement mathematics: pure functions on arrays and plain tuples.

No Django here: services and selectors turn ORM rows into spans, unit × coder
matrices and lengths, and read the dataclasses that come back. Every result carries
the number of units behind it, and an undefined coefficient is ``None`` with a
``reason`` (never a ZeroDivisionError).

Measures and references
-----------------------
Character level (``character``), NVivo-compatible:
  * percentage agreement (both + neither) / N and NVivo's kappa
    κ = (agree − E)/(N − E), E = (A·B + (N − A)(N − B))/N; κ = 1 when N − E = 0
    (both coders coded nothing, or both everything), as NVivo reports it.
    QSR International, NVivo help, "Run a Coding Comparison query".
  * the same at sentence or speaker-turn granularity (a unit is coded when any of
    its characters is); pooled over documents length-weighted and as a plain mean;
    all coders at once as the mean over pairs and a binary Krippendorff α.
Predefined units (``segments``):
  * percentage agreement, pairwise and mean over pairs;
  * Cohen's κ — Cohen, J. (1960). A coefficient of agreement for nominal scales.
    Educational and Psychological Measurement 20(1), 37–46;
  * Fleiss' κ (units with a missing value excluded) — Fleiss, J. L. (1971).
    Measuring nominal scale agreement among many raters. Psychological Bulletin
    76(5), 378–382;
  * Krippendorff's α, nominal/ordinal/interval/ratio, missing values allowed —
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg
    School for Communication, University of Pennsylvania; Content Analysis, 4th ed.
    (2019), §12.3;
  * Gwet's AC1 — Gwet, K. L. (2008). Computing inter-rater reliability and its
    variance in the presence of high agreement. British Journal of Mathematical and
    Statistical Psychology 61(1), 29–48; Handbook of Inter-Rater Reliability, 4th ed.
    (2014), as in his irrCAC package;
  * percentile bootstrap intervals (units resampled with replacement, seeded numpy
    Generator, vectorised as re-weighting) — Efron & Tibshirani (1993), An
    Introduction to the Bootstrap, ch. 13. Note that Krippendorff's own macro
    resamples pairable values instead; ours resamples units.
Unitizing (``unitizing``):
  * uα, |uα, cuα, (k)uα — Krippendorff, K., Mathet, Y., Bouvry, S. & Widlöcher, A.
    (2016). On the reliability of unitizing textual continua: Further developments.
    Quality & Quantity 50(6), 2347–2364; Krippendorff, Content Analysis, 4th ed.
    (2019), §12.6 (ATLAS.ti reports this family);
  * the older per-category α_U — Krippendorff, K. (1995). On the reliability of
    unitizing continuous data. Sociological Methodology 25, 47–76; Content
    Analysis, 2nd ed. (2004); as implemented by DKPro Statistics'
    ``KrippendorffAlphaUnitizingAgreement`` (Meyer, Mieskes, Stab & Gurevych 2014).
Domains (``domains``): mutually exclusive codes read as one variable; conflicting
values in one unit become missing and are reported.
Thresholds (``classify``): α ≥ 0.800 good, ≥ 0.667 tentative, else poor
(Krippendorff 2004 and 2019, "standards for data reliability"), configurable.
"""

from agreement.stats._common import Level, Verdict, classify
from agreement.stats.character import (
    AllCodersAgreement,
    CharacterAgreement,
    CharacterTable,
    PooledAgreement,
    character_agreement,
    character_table,
    coded_mask,
    nvivo_kappa,
    unit_coded,
)
from agreement.stats.domains import (
    DomainMatrix,
    ResolvedSpans,
    code_matrix,
    domain_matrix,
    resolve_overlaps,
)
from agreement.stats.segments import (
    AlphaResult,
    KappaResult,
    PairPercent,
    PercentAgreement,
    cohen_kappa,
    cohen_kappa_pairs,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from agreement.stats.unitizing import (
    CategoryAlpha1995,
    UnitizingAlpha,
    UnitizingAlpha1995,
    ValueAlpha,
    unitizing_alpha,
    unitizing_alpha_1995,
)

__all__ = [
    "AllCodersAgreement",
    "AlphaResult",
    "CategoryAlpha1995",
    "CharacterAgreement",
    "CharacterTable",
    "DomainMatrix",
    "KappaResult",
    "Level",
    "PairPercent",
    "PercentAgreement",
    "PooledAgreement",
    "ResolvedSpans",
    "UnitizingAlpha",
    "UnitizingAlpha1995",
    "ValueAlpha",
    "Verdict",
    "character_agreement",
    "character_table",
    "classify",
    "code_matrix",
    "coded_mask",
    "cohen_kappa",
    "cohen_kappa_pairs",
    "domain_matrix",
    "fleiss_kappa",
    "gwet_ac1",
    "krippendorff_alpha",
    "nvivo_kappa",
    "percent_agreement",
    "resolve_overlaps",
    "unit_coded",
    "unitizing_alpha",
    "unitizing_alpha_1995",
]
