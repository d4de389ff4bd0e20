"""The change record's horizon: a writer that took a lower change id but commits
after a reader took a higher one is still seen by the next read.

Two real connections: the test's own (Django, autocommit) and a second one opened
with psycopg, whose transaction stays open while the reader reads.
"""

import psycopg
import pytest
from django.db import connection

from coding.models import CodingChange
from coding.selectors_changes import ChangeHorizon, changes_pending, changes_since
from tests.factories import make_code, make_project, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def second_connection() -> psycopg.Connection:
    """Another session on the test database (not in autocommit: the first
    statement opens a transaction that stays open until ``commit``)."""
    s = connection.settings_dict
    return psycopg.connect(
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
        user=s["USER"],
        password=s.get("PASSWORD") or None,
        dbname=s["NAME"],
    )


def insert_change(other: psycopg.Connection, project_id: int, code_id: int) -> int:
    return other.execute(
        "INSERT INTO coding_codingchange (project_id, code_id, changed_at) "
        "VALUES (%s, %s, now()) RETURNING id",
        [project_id, code_id],
    ).fetchone()[0]


def test_a_change_committed_after_the_read_is_taken_by_the_next_read():
    project = make_project(owner=make_user())
    early, late = make_code(project=project), make_code(project=project)
    with second_connection() as other:
        late_id = insert_change(other, project.pk, late.pk)  # not committed yet
        CodingChange.objects.create(project=project, code_id=early.pk)

        first = changes_since(project.pk, ChangeHorizon())
        assert first.code_ids == {early.pk}
        assert first.horizon.last_id > late_id  # the last id alone would skip it
        assert not changes_pending(project.pk, first.horizon)

        other.commit()
        assert changes_pending(project.pk, first.horizon)
        second = changes_since(project.pk, first.horizon)
        assert second.code_ids == {late.pk}
        assert not second.all_codes
    assert not changes_pending(project.pk, second.horizon)
    assert changes_since(project.pk, second.horizon).empty


def test_a_rolled_back_change_is_never_taken():
    project = make_project(owner=make_user())
    code = make_code(project=project)
    with second_connection() as other:
        insert_change(other, project.pk, code.pk)
        first = changes_since(project.pk, ChangeHorizon())
        other.rollback()
    assert first.empty
    assert not changes_pending(project.pk, first.horizon)
    assert changes_since(project.pk, first.horizon).empty


def test_changes_of_the_reading_transaction_are_taken_by_id():
    """A reader sees its own transaction's rows at once (and takes each once)."""
    from django.db import transaction

    project = make_project(owner=make_user())
    a, b = make_code(project=project), make_code(project=project)
    with transaction.atomic():
        CodingChange.objects.create(project=project, code_id=a.pk)
        first = changes_since(project.pk, ChangeHorizon())
        CodingChange.objects.create(project=project, code_id=b.pk)
        assert changes_pending(project.pk, first.horizon)
        second = changes_since(project.pk, first.horizon)
    assert (first.code_ids, second.code_ids) == ({a.pk}, {b.pk})
    assert not changes_pending(project.pk, second.horizon)


def test_each_change_row_records_its_transaction():
    project = make_project(owner=make_user())
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            xid = cursor.fetchone()[0]
            row = CodingChange.objects.create(project=project)
        finally:
            cursor.execute("COMMIT")
    assert CodingChange.objects.get(pk=row.pk).xid == xid
