"""``network.bulk`` reads and writes what the ORM would, by COPY."""

import struct

import numpy as np
import pytest

from coding.models import Coding
from network import bulk
from network.filters import NetworkFilters
from network.models import ActorMetric, NetworkTie, Relation
from network.services import network_snapshot_get_or_create
from tests.factories import (
    make_actor,
    make_document,
    make_flow,
    make_project,
    make_relation,
    make_user,
)

FIELDS = ("coding_id", "source_actor_id", "target_actor_id", "mutual", "occasional")


@pytest.fixture
def relations(db):
    project = make_project()
    document = make_document(project=project, text="Over de stad en de clubs. " * 8)
    actors = [make_actor(project=project) for _ in range(4)]
    flow = make_flow(project=project)
    coder = make_user()
    for n in range(9):
        make_relation(
            document=document,
            source=actors[n % 4],
            target=actors[(n + 1) % 4],
            flow=flow,
            coder=coder,
            start=n,
            end=n + 10,
            mutual=n % 2 == 0,
            occasional=n % 3 == 0,
        )
    return project


def test_integer_columns_read_what_values_list_gives(relations):
    queryset = Relation.objects.filter(flow__project=relations).order_by("coding_id")
    expected = [tuple(map(int, row)) for row in queryset.values_list(*FIELDS)]
    table = bulk.integer_columns(queryset, FIELDS)
    assert table.dtype == np.int64
    assert sorted(map(tuple, table.tolist())) == sorted(expected)
    assert len(expected) == 9
    assert {row[3] for row in expected} == {0, 1}  # booleans came as 0 and 1


def test_integer_columns_of_nothing(relations):
    table = bulk.integer_columns(Coding.objects.none(), ("id", "coder_id"))
    assert table.shape == (0, 2)
    empty = bulk.integer_columns(Relation.objects.filter(coding_id=-1), FIELDS)
    assert empty.shape == (0, len(FIELDS))


def test_insert_rows_store_what_bulk_create_would(relations):
    snapshot, _ = network_snapshot_get_or_create(
        project=relations, scope="all", filters=NetworkFilters()
    )
    a, b = relations.actors.order_by("id")[:2]
    evidence = {"codings": [3, 1], "coders": [7, 7], "documents": [2, 2]}
    bulk.insert_rows(
        NetworkTie,
        ("snapshot_id", "source_id", "target_id", "flow", "weight", "documents")
        + ("coders", "occasional", "mutual", "evidence"),
        [(snapshot.pk, a.pk, b.pk, "knowledge", 2, 1, 1, True, False, evidence)],
    )
    tie = NetworkTie.objects.get(snapshot=snapshot)
    assert (tie.flow, tie.weight, tie.occasional, tie.mutual) == (
        "knowledge",
        2,
        True,
        False,
    )
    assert (tie.layer, tie.occasional_votes) == ("relation", 0)  # model defaults
    assert tie.evidence == evidence
    metric = dict.fromkeys(
        ("degree", "in_degree", "out_degree", "neighbours", "weighted_degree"), 1
    )
    metric |= {"weighted_in_degree": 1, "weighted_out_degree": 0, "component": 0}
    metric |= {"betweenness": 0.1 + 0.2, "closeness": 1 / 3, "eigenvector": None}
    metric |= {"constraint": 1e-300, "effective_size": None, "mentions": 4}
    bulk.insert_rows(
        ActorMetric,
        ("snapshot_id", "actor_id", *metric),
        [(snapshot.pk, a.pk, *metric.values())],
    )
    stored = ActorMetric.objects.get(snapshot=snapshot)
    assert {name: getattr(stored, name) for name in metric} == metric  # bit for bit


def _int8_arrays(*columns):
    """Binary COPY data of one row of int8[] fields, as PostgreSQL writes it."""
    data = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    data += struct.pack(">h", len(columns))
    for column in columns:
        if column is None:
            data += struct.pack(">i", -1)
            continue
        array = struct.pack(">iiiii", 1, 0, 20, len(column), 1)
        array += b"".join(struct.pack(">iq", 8, value) for value in column)
        data += struct.pack(">i", len(array)) + array
    return data + struct.pack(">h", -1)


def test_binary_int8_arrays_are_parsed():
    data = _int8_arrays([1, -2, 2**40], [0, 1, 1])
    assert bulk._parse_int8_arrays(data, 2).tolist() == [[1, 0], [-2, 1], [2**40, 1]]
    assert bulk._parse_int8_arrays(_int8_arrays(None, None), 2).shape == (0, 2)
    with pytest.raises(ValueError, match="binary COPY"):
        bulk._parse_int8_arrays(b"not copy data", 2)
    with pytest.raises(ValueError, match="unexpected"):
        bulk._parse_int8_arrays(data, 3)
    with pytest.raises(ValueError, match="different lengths"):
        bulk._parse_int8_arrays(_int8_arrays([1, 2], [3]), 2)
