"""Reports that exercise every branch of the methods paragraph (no database).

``tests/fixtures/agreement_methods.json`` holds the paragraphs these reports gave
when the English and Dutch texts were still written out as two branches; the
paragraph must keep reading exactly like that in both languages.
"""

from __future__ import annotations

from agreement.report import (
    AC1,
    ALPHA,
    BINARY_U_ALPHA,
    COHEN,
    CU_ALPHA,
    FLEISS,
    K_U_ALPHA,
    NVIVO,
    PERCENT,
    U_ALPHA,
    U_ALPHA_1995,
    AgreementInput,
    CodeData,
    DocumentData,
)

TEXT_STARTS = (0, 12, 24, 36)
THRESHOLDS = {
    "good": 0.8,
    "tentative": 0.667,
    "percent_good": 90.0,
    "percent_tentative": 80.0,
}


def _docs(coders: frozenset[int], n: int = 2) -> tuple[DocumentData, ...]:
    return tuple(
        DocumentData(
            id=10 + i,
            title=f"Doc {i}",
            length=46,
            coders=coders,
            unit_starts=TEXT_STARTS,
            unit_kind="paragraph",
        )
        for i in range(n)
    )


X = CodeData(id=1, name="Xenon", path="Xenon")
Y = CodeData(id=2, name="Yttrium", path="Yttrium")
NEVER = CodeData(id=3, name="Never used", path="Never used")
DOMAIN = CodeData(id=4, name="Mood", path="Mood", is_domain=True, level="nominal")
ORDINAL = CodeData(
    id=5, name="Strength", path="Strength", is_domain=True, level="ordinal"
)
LOW = CodeData(id=6, name="low", path="Mood/low", parent_id=4)
HIGH = CodeData(id=7, name="high", path="Mood/high", parent_id=4)
WEAK = CodeData(id=8, name="weak", path="Strength/weak", parent_id=5, value=1.0)
STRONG = CodeData(id=9, name="strong", path="Strength/strong", parent_id=5, value=2.0)

SPANS = (
    (10, 1, 100, 0, 10),
    (10, 1, 100, 24, 34),
    (10, 1, 101, 0, 10),
    (10, 1, 101, 36, 46),
    (11, 1, 100, 0, 20),
    (11, 1, 101, 5, 20),
    (11, 1, 102, 0, 10),
    (10, 2, 100, 12, 22),
    (10, 2, 101, 12, 22),
    (11, 2, 102, 30, 40),
    (10, 6, 100, 0, 10),
    (10, 7, 100, 12, 22),
    (10, 6, 101, 0, 10),
    (10, 6, 101, 12, 22),
    (11, 7, 102, 0, 5),
    (11, 6, 100, 24, 34),
    (10, 8, 100, 0, 10),
    (10, 9, 101, 0, 10),
    (11, 9, 100, 12, 22),
    (11, 9, 101, 12, 22),
)
TWO = ((100, "anna"), (101, "bram"))
THREE = ((100, "anna"), (101, "bram"), (102, "chris"))


def cases() -> dict[str, tuple[AgreementInput, dict | None]]:
    """name → (input, codebook version or None)."""
    two, three = frozenset({100, 101}), frozenset({100, 101, 102})
    version = {"id": 1, "number": 3, "name": "Pilot"}
    bare_version = {"id": 2, "number": 4, "name": ""}
    return {
        "turn_two_coders_domain_bootstrap": (
            AgreementInput(
                unit="turn",
                measures=(PERCENT, COHEN, FLEISS, ALPHA, AC1),
                documents=_docs(two),
                coders=TWO,
                codes=(X, Y, DOMAIN),
                children={4: (LOW, HIGH)},
                spans=SPANS,
                n_resamples=20,
                seed=3,
                thresholds=THRESHOLDS,
            ),
            version,
        ),
        "sentence_three_coders_percent_only": (
            AgreementInput(
                unit="sentence",
                measures=(PERCENT,),
                documents=_docs(three),
                coders=THREE,
                codes=(X, Y),
                spans=SPANS,
                thresholds={**THRESHOLDS, "percent_good": 85.0},
            ),
            None,
        ),
        "character_nvivo": (
            AgreementInput(
                unit="character",
                measures=(PERCENT, NVIVO, ALPHA),
                documents=_docs(three),
                coders=THREE,
                codes=(X, Y, NEVER),
                spans=SPANS,
                n_resamples=10,
                thresholds=THRESHOLDS,
            ),
            bare_version,
        ),
        "turn_nvivo_one_code": (
            AgreementInput(
                unit="turn",
                measures=(NVIVO, ALPHA),
                documents=_docs(two, 1),
                coders=TWO,
                codes=(X,),
                spans=SPANS,
                n_resamples=10,
                thresholds={**THRESHOLDS, "good": 0.9},
            ),
            version,
        ),
        "unitizing_domains": (
            AgreementInput(
                unit="unitizing",
                measures=(U_ALPHA, BINARY_U_ALPHA, CU_ALPHA, K_U_ALPHA, U_ALPHA_1995),
                documents=_docs(three),
                coders=THREE,
                codes=(X, DOMAIN, ORDINAL),
                children={4: (LOW, HIGH), 5: (WEAK, STRONG)},
                spans=SPANS,
                thresholds=THRESHOLDS,
            ),
            None,
        ),
        "sentence_three_coders_light": (
            AgreementInput(
                unit="sentence",
                measures=(COHEN, FLEISS, AC1),
                documents=_docs(three),
                coders=THREE,
                codes=(X, Y, DOMAIN),
                children={4: (LOW, HIGH)},
                spans=SPANS,
                n_resamples=5,
                thresholds=THRESHOLDS,
            ),
            bare_version,
        ),
        "character_two_coders_percent": (
            AgreementInput(
                unit="character",
                measures=(PERCENT, ALPHA),
                documents=_docs(two),
                coders=TWO,
                codes=(X, Y),
                spans=SPANS,
                thresholds=THRESHOLDS,
            ),
            None,
        ),
        "undefined_code_alpha_only": (
            AgreementInput(
                unit="sentence",
                measures=(ALPHA,),
                documents=_docs(two, 1),
                coders=TWO,
                codes=(NEVER,),
                spans=SPANS,
                thresholds=THRESHOLDS,
            ),
            None,
        ),
    }
