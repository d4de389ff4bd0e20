"""Analysis pages and API: word frequencies, actor mentions, co-occurrence, matrix
coding queries and auto-coding, on small hand-made data; blind coding per role;
results stored per visibility scope and computed by a worker when large."""

import csv
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analysis.models import AnalysisResult, AutoCodeRun, ProjectStopWords, ResultStatus
from analysis.services.autocode import autocode_run_execute
from analysis.services.results import analysis_catch_up
from analysis.tasks import compute_analysis_result, run_autocode
from coding.models import AuditEvent, Coding
from tests.conftest import client_for
from tests.factories import (
    make_case,
    make_code,
    make_coding,
    make_document,
    make_project,
    make_user,
)

pytestmark = pytest.mark.django_db

T1 = (
    "Interviewer: Hoe werkt de stad samen met AgII?\n"
    "Respondent: De stad betaalt subsidies. Het Agentschap Integratie en "
    "Inburgering helpt ook.\n"
)
T2 = (
    "Interviewer: En de sportclubs?\n"
    "Respondent: Sportclubs krijgen een subsidie van de stad.\n"
)


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def code(document, code, coder, quote):
    start, end = span(document.text, quote)
    return make_coding(document=document, code=code, coder=coder, start=start, end=end)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def data(project, members):
    """Two interviews (levels beleid and middenveld) and six codings.

    Codes: Instrumenten > Subsidies (A) and Overleg (B). In d1 the coder codes A1
    and B1, which overlap, in the respondent's turn; coder2 codes B3 in the
    interviewer's turn and A3, overlapping A1 and B1. In d2 the coder codes B2 in
    the interviewer's turn and A2 in the respondent's.
    """
    r1 = make_case(project=project, label="R1", niveau="beleid")
    r2 = make_case(project=project, label="R2", niveau="middenveld")
    d1 = make_document(project=project, text=T1, title="Interview 1", case=r1)
    d2 = make_document(project=project, text=T2, title="Interview 2", case=r2)
    parent = make_code(project=project, name="Instrumenten")
    a = make_code(project=project, name="Subsidies", parent=parent)
    b = make_code(project=project, name="Overleg")
    coder, coder2 = members["coder"], members["coder2"]
    codings = {
        "A1": code(d1, a, coder, "De stad betaalt subsidies"),
        "B1": code(d1, b, coder, "subsidies. Het Agentschap"),
        "A2": code(d2, a, coder, "Sportclubs krijgen een subsidie"),
        "B2": code(d2, b, coder, "En de sportclubs?"),
        "B3": code(d1, b, coder2, "Hoe werkt de stad"),
        "A3": code(d1, a, coder2, "stad betaalt subsidies. Het Agentschap"),
    }
    return {
        "d1": d1,
        "d2": d2,
        "parent": parent,
        "a": a,
        "b": b,
        "codings": codings,
        **members,
    }


def url(name, project, **query):
    base = reverse(f"analysis:{name}", args=[project.pk])
    return f"{base}?{urlencode(query, doseq=True)}" if query else base


# --- pages and roles ------------------------------------------------------------------

PAGES = ["analysis_overview", "words", "mentions", "cooccurrence", "matrix", "autocode"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("supervisor", 200),
        ("coder", 200),
        ("viewer", 200),
        ("outsider", 404),
    ],
)
def test_every_page_per_role(project, data, page, role, status):
    response = client_for(data[role]).get(url(page, project))
    assert response.status_code == status


@pytest.mark.parametrize(
    "path", ["frequencies/words/", "mentions/", "cooccurrence/", "matrix/"]
)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("supervisor", 200),
        ("coder", 200),
        ("viewer", 200),
        ("outsider", 404),
    ],
)
def test_every_api_endpoint_per_role(project, data, path, role, status):
    response = api(data[role]).get(f"/api/v1/projects/{project.pk}/{path}")
    assert response.status_code == status


def test_the_nav_links_to_the_analysis_overview(project, data):
    body = client_for(data["coder"]).get(url("analysis_overview", project))
    html = body.content.decode()
    assert reverse("analysis:analysis_overview", args=[project.pk]) in html
    for name in ("words", "mentions", "cooccurrence", "matrix", "autocode"):
        assert reverse(f"analysis:{name}", args=[project.pk]) in html
    assert reverse("coding:analysis_codes", args=[project.pk]) in html


# --- word frequencies -----------------------------------------------------------------


def words_api(user, project, **query):
    response = api(user).get(f"/api/v1/projects/{project.pk}/frequencies/words/", query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "fresh"
    return {g["label"]: {w["word"]: w for w in g["words"]} for g in body["results"]}


def test_word_frequencies_of_the_whole_project(project, data):
    """Stop words and short words are left out; documents count texts."""
    groups = words_api(data["viewer"], project)
    words = groups["whole project"]
    assert words["stad"]["count"] == 3
    assert words["stad"]["documents"] == 2
    assert words["sportclubs"]["count"] == 2
    assert words["sportclubs"]["documents"] == 1
    assert "de" not in words
    assert "een" not in words
    assert "agii" in words
    body = api(data["viewer"]).get(f"/api/v1/projects/{project.pk}/frequencies/words/")
    total = body.json()["results"][0]["total"]
    assert words["stad"]["percent"] == round(100 * 3 / total, 2)
    short = words_api(data["viewer"], project, min_length=6, stop="none")
    assert "stad" not in short["whole project"]
    assert "sportclubs" in short["whole project"]


def test_word_frequencies_per_document_speaker_and_level(project, data):
    per_document = words_api(data["viewer"], project, group="document")
    assert per_document["Interview 1"]["stad"]["count"] == 2
    assert per_document["Interview 2"]["stad"]["count"] == 1
    per_speaker = words_api(data["viewer"], project, group="speaker")
    assert set(per_speaker) == {"Interviewer", "Respondent"}
    assert per_speaker["Interviewer"]["stad"]["count"] == 1
    assert per_speaker["Respondent"]["stad"]["count"] == 2
    # The "Speaker:" labels are not words of the turn.
    assert "respondent" not in per_speaker["Respondent"]
    assert "interviewer" not in per_speaker["Interviewer"]
    per_level = words_api(
        data["viewer"], project, group="attribute", attribute_name="niveau"
    )
    assert per_level["beleid"]["stad"]["count"] == 2
    assert per_level["middenveld"]["sportclubs"]["count"] == 2


def test_word_frequencies_with_stemming(project, data):
    words = words_api(data["viewer"], project, stem=1)["whole project"]
    # One of each form: the group shows the first alphabetically.
    assert words["subsidie"]["count"] == 2
    assert set(words["subsidie"]["forms"]) == {"subsidies", "subsidie"}
    assert "subsidies" not in words
    assert words["sportclubs"]["forms"] == ["sportclubs"]


def test_word_frequency_filters_pick_documents(project, data):
    only_d2 = words_api(data["viewer"], project, documents=str(data["d2"].pk))
    assert only_d2["whole project"]["stad"]["count"] == 1
    # A form's multiple select repeats the parameter; a script joins with commas.
    both = [str(data["d1"].pk), str(data["d2"].pk)]
    repeated = words_api(data["viewer"], project, documents=both)
    assert repeated["whole project"]["stad"]["count"] == 3
    page = client_for(data["viewer"]).get(url("words", project, documents=both))
    assert page.content.decode().count("selected>Interview") == 2
    beleid = words_api(data["viewer"], project, attribute="niveau=beleid")
    assert beleid["whole project"]["stad"]["count"] == 2


def test_words_inside_a_codes_segments_respect_blind_coding(project, data):
    """Overlapping passages of one code count their words once; a blind coder
    counts inside their own codings only."""
    supervisor = words_api(data["supervisor"], project, group="code")
    subsidies = supervisor["Instrumenten > Subsidies"]
    # A1 ∪ A3 on d1 is "De stad betaalt subsidies. Het Agentschap", A2 on d2.
    assert subsidies["stad"]["count"] == 1
    assert subsidies["agentschap"]["count"] == 1
    assert subsidies["sportclubs"]["count"] == 1
    coder = words_api(data["coder"], project, group="code")
    assert "agentschap" not in coder["Instrumenten > Subsidies"]
    assert coder["Instrumenten > Subsidies"]["stad"]["count"] == 1
    # A coder's result is stored apart from everyone's.
    scopes = set(
        AnalysisResult.objects.filter(project=project, kind="words").values_list(
            "scope", flat=True
        )
    )
    assert scopes == {"all", f"coder:{data['coder'].pk}"}


def test_whole_text_word_counts_are_shared_by_all_roles(project, data):
    words_api(data["coder"], project)
    words_api(data["supervisor"], project)
    assert AnalysisResult.objects.filter(project=project, kind="words").count() == 1


def test_word_page_shows_table_chart_and_stop_lists(project, data):
    response = client_for(data["coder"]).get(url("words", project, group="document"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Interview 1" in body
    assert "stad" in body
    assert 'id="word-chart-data"' in body
    assert "badge fresh" in body
    assert 'name="dutch"' not in body  # only supervisors edit the stop lists
    partial = client_for(data["coder"]).get(
        url("words", project), headers={"HX-Request": "true"}
    )
    assert partial.content.decode().lstrip().startswith('<div id="result"')


def test_stop_lists_are_edited_per_project(project, data):
    supervisor = client_for(data["supervisor"])
    assert 'name="dutch"' in supervisor.get(url("words", project)).content.decode()
    response = supervisor.post(
        reverse("analysis:words_stop_lists", args=[project.pk]),
        {"dutch": "stad\nde, een", "english": "the"},
    )
    assert response.status_code == 302
    stored = ProjectStopWords.objects.get(project=project)
    assert stored.dutch == "de\neen\nstad"
    words = words_api(data["supervisor"], project)["whole project"]
    assert "stad" not in words
    assert "hoe" in words  # no longer a stop word: the list was replaced
    coder = client_for(data["coder"]).post(
        reverse("analysis:words_stop_lists", args=[project.pk]), {"dutch": "x"}
    )
    assert coder.status_code == 403
    supervisor.post(
        reverse("analysis:words_stop_lists", args=[project.pk]), {"reset": "1"}
    )
    assert not ProjectStopWords.objects.filter(project=project).exists()
    assert "stad" in words_api(data["supervisor"], project)["whole project"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"group": "elders"}, "Choose group from"),
        ({"min_length": "0"}, "min_length must be a whole number from 1 to 50"),
        ({"top": "abc"}, "top must be a whole number"),
        ({"stop": "fr"}, "Stop lists are nl and en"),
        ({"stem": "maybe"}, "Use stem=1 or stem=0"),
        ({"documents": "x"}, "is not a number"),
        ({"attribute": "leeftijd=30"}, "No case has an attribute “leeftijd”"),
        ({"attribute": "niveau__gt=a"}, "No case has an attribute"),
    ],
)
def test_bad_word_queries_get_a_readable_400(project, data, query, message):
    response = api(data["coder"]).get(
        f"/api/v1/projects/{project.pk}/frequencies/words/", query
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    page = client_for(data["coder"]).get(url("words", project, **query))
    assert page.status_code == 400
    assert message in page.content.decode()


# --- actor mentions -------------------------------------------------------------------


@pytest.fixture
def actors(project):
    """Actor codes named as in the regie codebook, whose aliases they get."""
    root = make_code(project=project, name="Actoren")
    return {
        "stad": make_code(project=project, name="Stad Mechelen", parent=root),
        "agii": make_code(
            project=project, name="Agentschap Integratie en Inburgering", parent=root
        ),
        "clubs": make_code(project=project, name="Sportverenigingen", parent=root),
    }


def test_mentions_per_actor_document_and_level(project, data, actors):
    """ "de stad" twice in d1 and once in d2; "AgII" and the agency's full name
    once each (the longer alias wins over "agentschap"); "sportclubs" twice."""
    response = api(data["viewer"]).get(f"/api/v1/projects/{project.pk}/mentions/")
    assert response.status_code == 200
    body = response.json()["results"]
    totals = {a["name"]: (a["total"], a["documents"]) for a in body["actors"]}
    assert totals == {
        "Stad Mechelen": (3, 2),
        "Agentschap Integratie en Inburgering": (2, 1),
        "Sportverenigingen": (2, 1),
    }
    level = {(m["key"], m["actor"]): m["count"] for m in body["by_level"]}
    assert level[("beleid", actors["stad"].pk)] == 2
    assert level[("middenveld", actors["stad"].pk)] == 1
    assert level[("middenveld", actors["clubs"].pk)] == 2
    per_document = {(m["label"], m["actor"]): m["count"] for m in body["by_document"]}
    assert per_document[("Interview 1", actors["agii"].pk)] == 2
    page = client_for(data["viewer"]).get(url("mentions", project))
    html = page.content.decode()
    assert "Agentschap Integratie en Inburgering" in html
    assert 'id="mentions-by-level"' in html


def test_mentions_use_the_network_actors_aliases_when_there_are_any(
    project, data, actors
):
    Actor = pytest.importorskip("network.models").Actor
    Actor.objects.create(project=project, code=actors["stad"], aliases=["betaalt"])
    body = api(data["viewer"]).get(f"/api/v1/projects/{project.pk}/mentions/").json()
    totals = {a["name"]: a["total"] for a in body["results"]["actors"]}
    # Only actors with a network row count now, under their name and aliases.
    assert totals == {"Stad Mechelen": 1}


def test_mentions_page_without_actor_codes(project, data):
    body = client_for(data["viewer"]).get(url("mentions", project)).content.decode()
    assert "no actor codes with aliases" in body


# --- co-occurrence --------------------------------------------------------------------


def cooccurrence_api(user, project, **query):
    response = api(user).get(f"/api/v1/projects/{project.pk}/cooccurrence/", query)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    ids = [c["id"] for c in results["codes"]]
    return results, ids


def test_cooccurrence_by_overlap_and_by_turn(project, data):
    """Everyone's codings: A1, A2, A3 and B1, B2, B3 (see the fixture)."""
    a, b = data["a"].pk, data["b"].pk
    results, ids = cooccurrence_api(data["supervisor"], project)
    assert ids == [a, b]
    counts, jaccard = results["counts"], results["jaccard"]
    # A1 overlaps B1; A3 overlaps B1 as well; B1 overlaps A1 and A3.
    assert counts[0][0] == 3
    assert counts[1][1] == 3
    assert counts[0][1] == 2
    assert counts[1][0] == 1
    assert jaccard[0][1] == pytest.approx((2 + 1) / (3 + 3))
    assert results["pair_counts"][0][1] == 2
    turn, _ids = cooccurrence_api(data["supervisor"], project, mode="turn")
    # A in d1 turn 2 and d2 turn 2; B in d1 turns 1 and 2, d2 turn 1; both: d1 t2.
    assert turn["counts"][0][0] == 2
    assert turn["counts"][1][1] == 3
    assert turn["counts"][0][1] == 1
    assert turn["jaccard"][0][1] == pytest.approx(1 / (2 + 3 - 1))


def test_cooccurrence_under_blind_coding(project, data):
    results, _ids = cooccurrence_api(data["coder"], project)
    assert results["counts"] == [[2, 1], [1, 2]]
    assert results["jaccard"][0][1] == pytest.approx(0.5)
    viewer, ids = cooccurrence_api(data["viewer"], project)
    assert viewer["counts"] == []
    assert ids == []


def test_cooccurrence_cell_lists_the_passages_behind_it(project, data):
    a, b = data["a"].pk, data["b"].pk
    c = data["codings"]
    results, _ids = cooccurrence_api(data["supervisor"], project, row=a, column=b)
    assert sorted(map(tuple, results["pairs"])) == sorted(
        [(c["A1"].pk, c["B1"].pk), (c["A3"].pk, c["B1"].pk)]
    )
    cell = client_for(data["supervisor"]).get(
        url("cooccurrence_cell", project, row=a, column=b),
        headers={"HX-Request": "true"},
    )
    html = cell.content.decode()
    assert cell.status_code == 200
    assert html.lstrip().startswith('<section id="cell-segments"')
    assert "2 pairs of passages" in html
    assert f'id="segment-{c["A1"].pk}"' in html
    assert f'id="segment-{c["B1"].pk}"' in html
    assert "De stad betaalt subsidies" in html
    # A blind coder sees only the pair of their own codings.
    mine, _ids = cooccurrence_api(data["coder"], project, row=a, column=b)
    assert mine["pairs"] == [[c["A1"].pk, c["B1"].pk]]
    full = client_for(data["coder"]).get(
        url("cooccurrence_cell", project, row=a, column=b)
    )
    assert full.status_code == 200
    assert f'id="segment-{c["A3"].pk}"' not in full.content.decode()


def test_cooccurrence_page_heatmap_and_pairs(project, data):
    response = client_for(data["supervisor"]).get(
        url("cooccurrence", project, measure="jaccard")
    )
    html = response.content.decode()
    assert 'id="cooccurrence-heatmap"' in html
    assert f'id="cell-{data["a"].pk}-{data["b"].pk}"' in html
    assert "0.50" in html  # Jaccard of A and B, shown with two decimals
    assert 'id="cooccurrence-pairs"' in html
    assert "background-color: rgba" in html


def test_cooccurrence_bad_input(project, data, members):
    response = api(data["coder"]).get(
        f"/api/v1/projects/{project.pk}/cooccurrence/", {"mode": "sentence"}
    )
    assert response.status_code == 400
    assert "Choose mode from overlap, turn" in response.json()["detail"]
    foreign = make_code(project=make_project())
    response = api(data["coder"]).get(
        f"/api/v1/projects/{project.pk}/cooccurrence/",
        {"row": foreign.pk, "column": data["a"].pk},
    )
    assert response.status_code == 404


# --- matrix coding query --------------------------------------------------------------


def matrix_api(user, project, **query):
    response = api(user).get(f"/api/v1/projects/{project.pk}/matrix/", query)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    columns = [c["label"] for c in results["columns"]]
    return {
        row["path"]: dict(zip(columns, values, strict=True))
        for row, values in zip(results["rows"], results["values"], strict=True)
    }, results


def test_matrix_codes_by_level(project, data):
    table, _r = matrix_api(data["supervisor"], project)
    assert table == {
        "Instrumenten": {"beleid": 2, "middenveld": 1},
        "Instrumenten > Subsidies": {"beleid": 2, "middenveld": 1},
        "Overleg": {"beleid": 2, "middenveld": 1},
    }
    own, _r = matrix_api(data["supervisor"], project, rolled=0)
    assert set(own) == {"Instrumenten > Subsidies", "Overleg"}
    cases, _r = matrix_api(data["supervisor"], project, cell="cases")
    assert cases["Instrumenten > Subsidies"] == {"beleid": 1, "middenveld": 1}
    words, _r = matrix_api(data["supervisor"], project, cell="words")
    # A1 "De stad betaalt subsidies" (4 words) + A3 (5 words) in d1.
    assert words["Instrumenten > Subsidies"]["beleid"] == 9


def test_matrix_by_document_and_by_coder(project, data):
    by_document, _r = matrix_api(data["supervisor"], project, columns="document")
    assert by_document["Overleg"] == {"Interview 1": 2, "Interview 2": 1}
    by_coder, _r = matrix_api(data["supervisor"], project, columns="coder")
    coder, coder2 = data["coder"].username, data["coder2"].username
    assert by_coder["Overleg"] == {coder: 2, coder2: 1}
    mine, _r = matrix_api(data["coder"], project, columns="coder")
    assert mine["Overleg"] == {coder: 2}  # blind coding: only one's own column


def test_matrix_filters(project, data):
    table, _r = matrix_api(
        data["supervisor"],
        project,
        codes=str(data["b"].pk),
        coders=str(data["coder"].pk),
    )
    assert table == {"Overleg": {"beleid": 1, "middenveld": 1}}


def test_matrix_cell_lists_its_segments(project, data):
    c = data["codings"]
    _table, results = matrix_api(
        data["supervisor"], project, row=data["parent"].pk, column="beleid"
    )
    assert results["codings"] == sorted([c["A1"].pk, c["A3"].pk])
    response = client_for(data["supervisor"]).get(
        url("matrix_cell", project, row=data["parent"].pk, column="beleid"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "2 segments" in html
    assert f'id="segment-{c["A1"].pk}"' in html
    assert f'id="segment-{c["A2"].pk}"' not in html
    coder = client_for(data["coder"]).get(
        url("matrix_cell", project, row=data["parent"].pk, column="beleid")
    )
    assert f'id="segment-{c["A3"].pk}"' not in coder.content.decode()
    page = client_for(data["supervisor"]).get(url("matrix", project))
    assert 'id="matrix"' in page.content.decode()
    assert reverse("analysis:matrix_cell", args=[project.pk]) in page.content.decode()


def test_matrix_column_without_a_value(project, data):
    d3 = make_document(project=project, text="Geen case hier, wel overleg.")
    code(d3, data["b"], data["coder"], "wel overleg")
    table, _r = matrix_api(data["supervisor"], project)
    assert table["Overleg"]["(no value)"] == 1
    _table, results = matrix_api(
        data["supervisor"], project, row=data["b"].pk, column=""
    )
    assert len(results["codings"]) == 1


def test_matrix_csv_export_is_neutralised(project, data):
    evil = make_case(project=project, label="R3", niveau="=HYPERLINK(1)")
    d3 = make_document(project=project, text="-2+3 zegt de stad.", case=evil)
    formula = make_code(project=project, name="@SUM(A1)")
    code(d3, formula, data["coder"], "-2+3")
    response = client_for(data["supervisor"]).get(
        url("matrix_export", project, delimiter=";")
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["code", "'=HYPERLINK(1)", "beleid", "middenveld"]
    assert ["'@SUM(A1)", "1", "0", "0"] in rows
    assert ["Overleg", "0", "2", "1"] in rows
    bad = client_for(data["supervisor"]).get(
        url("matrix_export", project, delimiter="|")
    )
    assert bad.status_code == 400


def test_matrix_bad_input(project, data):
    for query, message in [
        ({"columns": "speakers"}, "Choose columns from"),
        ({"cell": "minutes"}, "Choose cell from"),
        ({"row": "x"}, "is not a number"),
    ]:
        response = api(data["coder"]).get(
            f"/api/v1/projects/{project.pk}/matrix/", query
        )
        assert response.status_code == 400
        assert message in response.json()["detail"]


# --- staleness, workers, the broker ---------------------------------------------------


def test_results_go_stale_when_codings_change_and_are_recomputed(project, data):
    matrix_api(data["supervisor"], project)
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    first_key = result.source_key
    code(data["d2"], data["b"], data["coder2"], "Sportclubs")
    table, _r = matrix_api(data["supervisor"], project)
    assert table["Overleg"]["middenveld"] == 2
    result.refresh_from_db()
    assert result.source_key != first_key
    assert result.codings_changed_at is not None


def test_large_queries_go_to_a_worker(project, data, settings, monkeypatch):
    """Above the inline limit the request queues a task and answers 202."""
    settings.REGIE_ANALYSIS_INLINE_CHARACTERS = 10
    sent = []
    monkeypatch.setattr(
        compute_analysis_result, "apply_async", lambda **kw: sent.append(kw)
    )
    client = api(data["viewer"])
    endpoint = f"/api/v1/projects/{project.pk}/frequencies/words/"
    response = client.get(endpoint)
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["results"]) == (
        "computing",
        None,
    )
    result = AnalysisResult.objects.get(project=project, kind="words")
    assert result.status == ResultStatus.QUEUED
    page = client_for(data["viewer"]).get(url("words", project)).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "computing…" in page
    # The worker runs the task (called here as a function).
    compute_analysis_result(result_id=result.pk)
    assert client.get(endpoint).json()["status"] == "fresh"
    assert (
        "badge fresh"
        in client_for(data["viewer"]).get(url("words", project)).content.decode()
    )


def test_work_is_enqueued_after_commit(
    project, data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REGIE_ANALYSIS_INLINE_CODINGS = 0
    sent = []
    monkeypatch.setattr(
        compute_analysis_result, "apply_async", lambda **kw: sent.append(kw)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(data["supervisor"]).get(
            f"/api/v1/projects/{project.pk}/cooccurrence/"
        )
    assert response.status_code == 202
    assert len(callbacks) == 1
    result = AnalysisResult.objects.get(project=project, kind="cooccurrence")
    assert sent == [{"kwargs": {"result_id": result.pk}}]
    # Asking again while it is queued sends nothing more.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api(data["supervisor"]).get(f"/api/v1/projects/{project.pk}/cooccurrence/")
    assert callbacks == []


def test_without_a_broker_figures_are_stale_and_caught_up_later(
    project, data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REGIE_ANALYSIS_INLINE_CODINGS = 0

    def broker_down(**kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(compute_analysis_result, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(data["supervisor"]).get(url("matrix", project))
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    assert result.unsent
    assert result.status == ResultStatus.QUEUED
    page = client_for(data["supervisor"]).get(url("matrix", project)).content.decode()
    assert "badge stale" in page
    assert "No worker could be reached" in page
    # Coding goes on meanwhile.
    code(data["d2"], data["a"], data["supervisor"], "Sportclubs")
    sent = []
    monkeypatch.setattr(
        compute_analysis_result, "apply_async", lambda **kw: sent.append(kw)
    )
    assert analysis_catch_up() >= 1
    assert {"kwargs": {"result_id": result.pk}} in sent
    compute_analysis_result(result_id=result.pk)
    table, _r = matrix_api(data["supervisor"], project)
    assert table["Instrumenten > Subsidies"]["middenveld"] == 2


def test_a_failing_computation_shows_its_message(project, data, monkeypatch):
    from analysis import selectors as selectors_analysis

    def broken(access, query):
        raise ValueError("The alias “x” belongs to both A and B.")

    monkeypatch.setattr(selectors_analysis, "matrix_compute", broken)
    page = client_for(data["supervisor"]).get(url("matrix", project))
    html = page.content.decode()
    assert "badge stale" in html or "failed" in html
    assert "belongs to both A and B" in html
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    assert result.status == ResultStatus.FAILED
    # Not retried on every view while the data stay the same.
    client_for(data["supervisor"]).get(url("matrix", project))
    assert AnalysisResult.objects.get(pk=result.pk).started_at == result.started_at


def test_recompute_now(project, data):
    client = client_for(data["supervisor"])
    client.get(url("matrix", project))
    result = AnalysisResult.objects.get(project=project, kind="matrix")
    response = client.post(
        reverse("analysis:analysis_result_refresh", args=[project.pk, result.pk]),
        {"next": url("matrix", project)},
    )
    assert response.status_code == 302
    assert AnalysisResult.objects.get(pk=result.pk).computed_at > result.computed_at
    htmx = client.post(
        reverse("analysis:analysis_result_refresh", args=[project.pk, result.pk]),
        headers={"HX-Request": "true"},
    )
    assert htmx.headers["HX-Refresh"] == "true"
    outsider = client_for(data["outsider"]).post(
        reverse("analysis:analysis_result_refresh", args=[project.pk, result.pk])
    )
    assert outsider.status_code == 404


# --- auto-coding ----------------------------------------------------------------------


def test_autocode_preview_apply_undo_round_trip(project, data):
    coder = client_for(data["coder"])
    overleg = data["b"]
    before = Coding.objects.count()
    preview = coder.get(url("autocode", project, pattern="stad"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "3 passages in 2 documents would be coded." in html
    assert html.count('class="segment preview-match"') == 3
    assert 'id="apply-form"' in html
    response = coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "stad", "kind": "keyword", "code": overleg.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Coded 3 passages" in response.content.decode()
    run = AutoCodeRun.objects.get(project=project)
    assert run.status == AutoCodeRun.Status.DONE
    assert (run.matches, run.created, run.skipped) == (3, 3, 0)
    made = Coding.objects.filter(pk__in=run.coding_ids)
    assert {c.coder_id for c in made} == {data["coder"].pk}
    assert {c.text.lower() for c in made} == {"stad"}
    assert (
        AuditEvent.objects.filter(
            entity="coding", action="create", entity_id__in=run.coding_ids
        ).count()
        == 3
    )
    # Another coder does not see them (blind coding).
    seen = api(data["coder2"]).get(
        f"/api/v1/projects/{project.pk}/codings/", {"code": overleg.pk}
    )
    assert not {c["id"] for c in seen.json()["results"]} & set(run.coding_ids)
    # Applying again skips what is coded already.
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "stad", "code": overleg.pk},
    )
    second = AutoCodeRun.objects.filter(project=project).first()
    assert (second.matches, second.created, second.skipped) == (3, 0, 3)
    # Undo the first run as one step.
    response = coder.post(
        reverse("analysis:autocode_undo_run", args=[project.pk, run.pk]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Auto-coding undone." in response.content.decode()
    run.refresh_from_db()
    assert run.status == AutoCodeRun.Status.UNDONE
    assert Coding.objects.count() == before
    assert (
        AuditEvent.objects.filter(
            entity="coding", action="delete", entity_id__in=run.coding_ids
        ).count()
        == 3
    )
    again = coder.post(
        reverse("analysis:autocode_undo_run", args=[project.pk, run.pk]),
        headers={"HX-Request": "true"},
    )
    assert "already been undone" in again.content.decode()


def test_undo_keeps_codings_changed_since(project, data):
    from coding.services.codings import coding_update

    coder = client_for(data["coder"])
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "sportclubs", "code": data["a"].pk},
    )
    run = AutoCodeRun.objects.get(project=project)
    assert run.created == 2
    edited = Coding.objects.get(pk=run.coding_ids[0])
    coding_update(coding=edited, memo="Belangrijk")
    coder.post(reverse("analysis:autocode_undo_run", args=[project.pk, run.pk]))
    run.refresh_from_db()
    assert run.undo_kept == 1
    assert Coding.objects.filter(pk__in=run.coding_ids).count() == 1


def test_autocode_expands_to_the_sentence_and_codes_a_speakers_turns(project, data):
    coder = client_for(data["coder"])
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "betaalt", "expand": "sentence", "code": data["b"].pk},
    )
    run = AutoCodeRun.objects.get(project=project)
    assert Coding.objects.get(pk=run.coding_ids[0]).text == (
        "Respondent: De stad betaalt subsidies."
    )
    coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"speaker": "Respondent", "code": data["b"].pk},
    )
    turns = AutoCodeRun.objects.filter(project=project).first()
    texts = sorted(Coding.objects.get(pk=pk).text for pk in turns.coding_ids)
    assert texts == [
        "De stad betaalt subsidies. Het Agentschap Integratie en Inburgering "
        "helpt ook.",
        "Sportclubs krijgen een subsidie van de stad.",
    ]
    within = coder.get(url("autocode", project, pattern="stad", speaker="Interviewer"))
    assert "1 passage in 1 document would be coded." in within.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"pattern": "(a+)+", "kind": "regex"}, "repeats a group"),
        ({"pattern": "[abc", "kind": "regex"}, "This regular expression is not valid"),
        ({"pattern": "", "speaker": ""}, "Enter a word, phrase or pattern"),
        ({"pattern": "x", "expand": "paragraph"}, "Choose expand from"),
    ],
)
def test_autocode_bad_input(project, data, query, message):
    coder = client_for(data["coder"])
    response = coder.get(url("autocode", project, **query))
    assert response.status_code == 400
    assert message in response.content.decode()
    applied = coder.post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {**query, "code": data["b"].pk},
        headers={"HX-Request": "true"},
    )
    assert message in applied.content.decode()
    assert not AutoCodeRun.objects.exists()


def test_autocode_permissions(project, data):
    viewer = client_for(data["viewer"])
    preview = viewer.get(url("autocode", project, pattern="stad"))
    assert preview.status_code == 200
    assert 'id="apply-form"' not in preview.content.decode()
    assert (
        viewer.post(
            reverse("analysis:autocode_apply", args=[project.pk]),
            {"pattern": "stad", "code": data["b"].pk},
        ).status_code
        == 403
    )
    client_for(data["coder"]).post(
        reverse("analysis:autocode_apply", args=[project.pk]),
        {"pattern": "stad", "code": data["b"].pk},
    )
    run = AutoCodeRun.objects.get()
    undo = reverse("analysis:autocode_undo_run", args=[project.pk, run.pk])
    assert client_for(data["coder2"]).post(undo).status_code == 404
    assert client_for(data["outsider"]).post(undo).status_code == 404
    runs = client_for(data["coder2"]).get(
        reverse("analysis:autocode_runs", args=[project.pk])
    )
    assert f'id="run-{run.pk}"' not in runs.content.decode()
    assert client_for(data["supervisor"]).post(undo).status_code == 302
    run.refresh_from_db()
    assert run.status == AutoCodeRun.Status.UNDONE


def test_large_autocode_runs_in_a_worker(
    project, data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REGIE_ANALYSIS_INLINE_CHARACTERS = 10
    sent = []
    monkeypatch.setattr(run_autocode, "apply_async", lambda **kw: sent.append(kw))
    monkeypatch.setattr(
        compute_analysis_result, "apply_async", lambda **kw: sent.append(kw)
    )
    coder = client_for(data["coder"])
    with django_capture_on_commit_callbacks(execute=True):
        preview = coder.get(url("autocode", project, pattern="stad"))
    assert "computing…" in preview.content.decode()
    result = AnalysisResult.objects.get(kind="autocode_preview")
    compute_analysis_result(result_id=result.pk)
    assert (
        "3 passages in 2 documents"
        in coder.get(url("autocode", project, pattern="stad")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = coder.post(
            reverse("analysis:autocode_apply", args=[project.pk]),
            {"pattern": "stad", "code": data["b"].pk},
            headers={"HX-Request": "true"},
        )
    assert "runs in the background" in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()
    run = AutoCodeRun.objects.get()
    assert run.status == AutoCodeRun.Status.QUEUED
    assert {"kwargs": {"run_id": run.pk}} in sent
    run_autocode(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.created) == (AutoCodeRun.Status.DONE, 3)
    assert autocode_run_execute(run_id=run.pk) is None  # a repeated message: no-op


# --- query counts ---------------------------------------------------------------------


@pytest.mark.parametrize("page", ["words", "mentions", "cooccurrence", "matrix"])
def test_pages_are_free_of_n_plus_one(
    project, data, actors, page, django_assert_max_num_queries
):
    """More documents, codes and codings do not add queries to a page."""
    client = client_for(data["supervisor"])
    client.get(url(page, project))
    with django_assert_max_num_queries(30) as small:
        client.get(url(page, project))
    baseline = len(small)
    for i in range(8):
        case = make_case(project=project, niveau=f"level {i}")
        document = make_document(project=project, text=T1, case=case)
        extra = make_code(project=project, name=f"Extra {i}")
        for quote in ("De stad", "subsidies", "AgII"):
            code(document, extra, data["coder"], quote)
            code(document, data["b"], make_user(), quote)
    client.get(url(page, project))  # recompute
    with django_assert_max_num_queries(baseline):
        client.get(url(page, project))
