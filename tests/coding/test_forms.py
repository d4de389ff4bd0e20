"""Parameter forms of the core: one parse for pages, API and commands, from a
QueryDict or a plain dict, with the messages the pages and the API show."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from coding.forms import (
    AssignmentParamForm,
    VersionDiffForm,
    audit_filters,
    coder_pair,
    parse_params,
    posted_coder_ids,
    posted_decision,
)
from coding.selectors_audit import AuditFilters

pytestmark = pytest.mark.django_db


def test_audit_filters_read_a_querydict_and_a_dict_alike(project, members):
    params = {"document": "7", "coder": members["coder"].username, "entity": "coding"}
    from_dict = audit_filters(project_id=project.pk, params=params)
    query = QueryDict(mutable=True)
    query.update(params)
    assert audit_filters(project_id=project.pk, params=query) == from_dict
    assert from_dict == AuditFilters(
        document_id=7, coder_ids=frozenset({members["coder"].pk}), entity="coding"
    )


def test_audit_filters_name_every_bad_value(project):
    with pytest.raises(ValidationError) as caught:
        audit_filters(
            project_id=project.pk,
            params={"document": "x", "since": "2026-02-01", "until": "2026-01-01"},
        )
    assert caught.value.message_dict == {
        "document": ["“x” is not a document id (a whole number)."],
        "until": ["The end date lies before the start date."],
    }


def test_audit_filters_refuse_nul_characters(project):
    with pytest.raises(ValidationError) as caught:
        audit_filters(project_id=project.pk, params={"actor": "a\x00b"})
    assert caught.value.message_dict == {
        "actor": ["This value contains a NUL character."]
    }


def test_audit_filter_dates(project):
    filters = audit_filters(
        project_id=project.pk, params={"since": " 2026-01-01 ", "until": "2026-01-31"}
    )
    assert (filters.since, filters.until) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))


def test_number_parameters():
    form = parse_params(AssignmentParamForm({"document": " 12 ", "coder": " anna "}))
    assert form.cleaned_data == {"document": 12, "coder": "anna"}
    assert parse_params(AssignmentParamForm({})).cleaned_data == {
        "document": None,
        "coder": "",
    }
    with pytest.raises(ValidationError) as caught:
        parse_params(AssignmentParamForm({"document": "twee"}))
    assert caught.value.message_dict == {"document": ["“twee” is not a number."]}


def test_version_diff_refs_keep_the_parameter_names():
    assert parse_params(VersionDiffForm({"from": " 2 ", "to": "current"})).refs == (
        "2",
        "current",
    )
    assert parse_params(VersionDiffForm({})).refs == ("", "")


def test_coder_pair_defaults_to_the_two_busiest_and_names_bad_choices():
    coders = [(5, "anna"), (9, "bert"), (3, "carla")]
    pair = coder_pair({}, coders)
    assert (pair.coder_a, pair.coder_b, pair.errors) == (5, 9, [])
    pair = coder_pair({"a": "3", "b": "3"}, coders)
    assert pair.errors == ["Choose two different coders."]
    pair = coder_pair({"a": "42", "b": "x"}, coders)
    assert pair.errors == [
        "Coder “42” did not code this document.",
        "Coder “x” did not code this document.",
    ]
    assert posted_coder_ids({"a": "9", "b": "3"}, coders) == (9, 3)
    assert posted_coder_ids({"a": "9", "b": "9"}, coders) is None
    assert posted_coder_ids({"a": "9", "b": "42"}, coders) is None


def test_posted_decision_reads_the_edited_span_only_for_edited():
    edited = posted_decision(
        {"code": "4", "unit_start": "0", "unit_end": "9", "i": "2"}
        | {"decision": "edited", "start": "1", "end": "8"}
    )
    assert (edited.code_id, edited.index, edited.edited_span) == (4, 2, (1, 8))
    assert edited.names_a_unit
    both = posted_decision({"code": "4", "decision": "both", "start": "1", "end": "8"})
    assert both.edited_span is None
    assert both.index == 0
    assert not both.names_a_unit
