"""Word frequencies: page, API, stemming, filters, stop lists, blind coding."""

import pytest
from django.urls import reverse

from analysis.models import AnalysisResult, ProjectStopWords
from tests.analysis.helpers import api, url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


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
