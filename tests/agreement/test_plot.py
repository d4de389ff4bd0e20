"""The agreement dot plot: scales, marks (pure) and the run page that draws them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agreement.plot import WIDTH, Scale, coefficient_scale, mark, panel
from tests.agreement.pages_support import done_run
from tests.conftest import client_for


def test_a_coefficient_scale_reaches_only_as_low_as_the_data():
    assert coefficient_scale([0.4, 0.9, None]) == Scale(low=0.0)
    assert coefficient_scale([0.3, -0.004]) == Scale(low=-0.5)
    assert coefficient_scale([-0.6]) == Scale(low=-1.0)
    assert coefficient_scale([-7.0]) == Scale(low=-1.0)  # uα can go below −1
    assert coefficient_scale([]) == Scale(low=0.0)


def test_a_scale_maps_and_clamps_to_the_panel():
    scale = Scale(low=-0.5)
    assert scale.x(-0.5) == 0
    assert scale.x(0.25) == WIDTH / 2
    assert scale.x(1.0) == WIDTH
    assert scale.x(3.0) == WIDTH
    assert scale.x(-2.0) == 0
    assert [v for v, _left in scale.ticks()] == [-0.5, 0.0, 1.0]
    assert [v for v, _left in Scale(low=0.0).ticks()] == [0.0, 0.5, 1.0]
    assert [round(left) for _v, left in Scale(low=0.0).ticks()] == [0, 50, 100]


def test_a_mark_places_dot_and_interval_and_an_undefined_value_draws_nothing():
    scale = Scale(low=0.0)
    dot = mark(scale, 0.8, (0.7, 0.9), "good", "κ 0.800")
    assert (dot.x, dot.ci_x, dot.verdict) == (800, (700, 900), "good")
    assert dot.x_end > dot.x
    assert mark(scale, 0.5, None, "poor", "").ci_x is None
    empty = mark(scale, None, None, "undefined", "κ undefined")
    assert (empty.x, empty.x_end, empty.verdict) == (None, None, "undefined")
    thresholds = panel("k", "κ", Scale(low=-1.0), {"tentative": 0.667, "good": 0.8})
    assert (thresholds.tentative_x, thresholds.good_x, thresholds.zero_x) == (
        833.5,
        900,
        500,
    )


@pytest.mark.django_db
def test_the_run_page_draws_a_dot_per_coefficient_and_prints_percentages_plain(
    setup, members
):
    """One SVG per chance-corrected figure, with the thresholds drawn; percentage
    agreement is plain text (no verdict colour), also in the exact table."""
    project = setup["project"]
    run = done_run(
        setup,
        codes=str(setup["x"].pk),
        measure="percent_agreement,krippendorff_alpha,cohen_kappa",
    )
    url = reverse("agreement:agreement_run", args=[project.pk, run.pk])
    page = client_for(members["supervisor"]).get(url).content.decode()
    plot = page[page.index('id="agreement-plot"') : page.index('id="exact-figures"')]
    assert plot.count('<svg viewBox="0 0 1000 20"') >= 2
    assert plot.count('class="threshold"') == 1 + 2 * plot.count("<svg viewBox")
    assert 'class="dot verdict-poor"' in plot  # α = 0.125
    assert "Krippendorff&#x27;s α 0.125 (poor)" in plot
    assert re.search(r'<td class="num plain">\d+\.\d %</td>', plot)
    assert "tentative from 0.667, good from 0.800" in plot
    # Two coders: one line per code (the pair and "all coders" are the same two).
    assert "Two coders: one line per code." in plot
    assert plot.count('class="code-first"') == 2  # code X and all codes pooled
    assert 'class="group"' not in plot
    table = page[page.index('id="agreement-matrix"') :]
    percent_cells = re.findall(r'<td class="num[^"]*" title="[^"]*agreement', table)
    assert not [c for c in percent_cells if "verdict-" in c]
    assert 'class="num verdict-poor"' in table  # the coefficient keeps its colour


@pytest.mark.django_db
def test_reasons_and_levels_are_translated_on_the_run_page(setup, members):
    project = setup["project"]
    run = done_run(setup, unit="turn")
    url = reverse("agreement:agreement_run", args=[project.pk, run.pk])
    client = client_for(members["supervisor"])
    client.cookies["django_language"] = "nl"
    page = client.get(url, headers={"Accept-Language": "nl"}).content.decode()
    assert "domein, nominaal" in page
    assert "mean over coder pairs" not in page
    assert "gemiddelde over de codeursparen" in page
    listing = client.get(reverse("agreement:agreement", args=[project.pk]))
    assert "Random seed" not in listing.content.decode()
    assert "spreekbeurten" in listing.content.decode()
