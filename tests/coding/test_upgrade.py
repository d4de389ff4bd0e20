"""A database made before the split into apps upgrades in place with every row kept.

The test builds a full project (the demo, plus a job of every kind), migrates back to
the schema of the release before the split (``coding`` 0007, ``network`` 0002, no
satellite apps), fingerprints every table of that schema, migrates forward again and
compares: every table keeps its rows, and every column the old schema had keeps its
values.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from coding.demo.loader import demo_load
from network.filters import NetworkFilters
from network.models import NetworkSnapshot
from network.services import network_build, network_snapshot_get_or_create

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_SPLIT = {"coding": "0007_interop", "network": "0002_cross_table_rules"}
SATELLITES = ("agreement", "analysis", "interop")
# Columns the upgrade replaces on purpose: the frequencies' change list and clock
# became rows of the core's append-only CodingChange (tests/analysis/test_migrations.py
# checks that they carry over).
REPLACED = {
    "coding_analysisstate": {"dirty_code_ids", "codings_changed_at"},
}


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return [
            name
            for name in connection.introspection.table_names(cursor)
            if name.startswith(("coding_", "network_"))
        ]


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "select column_name from information_schema.columns "
            "where table_schema = current_schema() and table_name = %s "
            "order by column_name",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _fingerprint(table: str, columns: list[str]) -> tuple[int, str]:
    """Row count and an md5 over the given columns of every row, in a fixed order."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    row = f"row({quoted})::text"
    with connection.cursor() as cursor:
        cursor.execute(
            f"select count(*), md5(coalesce(string_agg({row}, '|' order by {row}), '')) "
            f"from {connection.ops.quote_name(table)}"
        )
        count, digest = cursor.fetchone()
    return count, digest


def _migrate_to(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_upgrade_from_before_the_split_keeps_every_row():
    demo = demo_load()
    built, _created = network_snapshot_get_or_create(
        project=demo.project, scope="all", filters=NetworkFilters()
    )
    network_build(snapshot_id=built.pk)
    latest = [
        node for node in _latest() if node[0] in {"coding", "network", *SATELLITES}
    ]
    try:
        _migrate_to(
            [(app, None) for app in SATELLITES if any(n[0] == app for n in latest)]
            + list(BEFORE_SPLIT.items())
        )
        old = {
            table: [c for c in _columns(table) if c not in REPLACED.get(table, ())]
            for table in _tables()
        }
        before = {table: _fingerprint(table, cols) for table, cols in old.items()}
        assert before["coding_coding"][0] > 0
        _migrate_to(latest)
        after = {table: _fingerprint(table, cols) for table, cols in old.items()}
        # A snapshot built before network snapshots were jobs: finished, never sent.
        upgraded = NetworkSnapshot.objects.get(pk=built.pk)
        assert upgraded.status == "done"
        assert upgraded.finished_at == upgraded.computed_at
        assert (upgraded.attempts, upgraded.unsent, upgraded.sent_at) == (
            0,
            False,
            None,
        )
    finally:
        call_command("migrate", verbosity=0)
    assert after == before
