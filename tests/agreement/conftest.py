"""Inter-coder agreement: code domain fields, API, command, pages, runs and staleness.

The hand-made project: one document of four 10-character paragraphs
("aaaaaaaaaa\\n\\nbbbbbbbbbb\\n\\ncccccccccc\\n\\ndddddddddd", 46 characters, no
speaker turns, so paragraphs are the segment units). Coder A codes X on [0, 10)
and [24, 34), coder B on [0, 10) and [36, 46). By hand:

* characters: both 10, only A 10, only B 10, neither 16 (N = 46); percentage
  (10 + 16) / 46; NVivo κ = (N·agree − S)/(N² − S), S = A·B + (N − A)(N − B)
  = 400 + 676 = 1076, so κ = (46·26 − 1076)/(2116 − 1076) = 120/1040;
* paragraphs: A codes units {0, 2}, B {0, 3}: 2 of 4 agree (50 %); Cohen's κ 0
  (p_o = p_e = ½); Krippendorff's α = 1 − (n − 1)·o₀₁/(n₀·n₁) = 1 − 7·2/16 = 0.125.

The domain D (children X1, X2) per paragraph: A gives X1, X2, X1, X2 and B X1, X2,
X2, X2: o₁₁ = 2, o₂₂ = 4, o₁₂ = o₂₁ = 1, n₁ = 3, n₂ = 5, so nominal
α = 1 − 7·2/(2·3·5) = 8/15.
"""

from __future__ import annotations

import pytest

from tests.agreement.pages_support import PARAGRAPHS, TEXT
from tests.factories import (
    make_code,
    make_coding,
    make_document,
)


@pytest.fixture
def setup(project, members):
    """The hand-made project: code X, domain D (X1, X2), two coders on one document."""
    a, b = members["coder"], members["coder2"]
    document = make_document(project=project, text=TEXT, title="Hand")
    x = make_code(project=project, name="X")
    domain = make_code(project=project, name="D", is_domain=True)
    x1 = make_code(project=project, name="X1", parent=domain)
    x2 = make_code(project=project, name="X2", parent=domain)
    for start, end in ((0, 10), (24, 34)):
        make_coding(document=document, code=x, coder=a, start=start, end=end)
    for start, end in ((0, 10), (36, 46)):
        make_coding(document=document, code=x, coder=b, start=start, end=end)
    for coder, values in ((a, (x1, x2, x1, x2)), (b, (x1, x2, x2, x2))):
        for (start, end), code in zip(PARAGRAPHS, values, strict=True):
            make_coding(document=document, code=code, coder=coder, start=start, end=end)
    return {
        "project": project,
        "document": document,
        "x": x,
        "domain": domain,
        "x1": x1,
        "x2": x2,
        "a": a,
        "b": b,
    }


class FakeBroker:
    """Stands in for Celery's app where ``coding.jobs`` sends jobs by task name:
    records every message, or refuses them all while ``down``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.down = False

    def send_task(self, name: str, kwargs: dict | None = None, **options) -> None:
        if self.down:
            raise ConnectionError("no broker")
        self.sent.append((name, kwargs or {}))


@pytest.fixture
def broker(monkeypatch) -> FakeBroker:
    from coding.jobs import services as job_services

    fake = FakeBroker()
    monkeypatch.setattr(job_services, "current_app", fake)
    return fake
