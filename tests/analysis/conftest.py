"""Fixtures of the analysis tests."""

import pytest

from tests.analysis import helpers
from tests.analysis.helpers import code
from tests.factories import make_case, make_code, make_document


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
    d1 = make_document(project=project, text=helpers.T1, title="Interview 1", case=r1)
    d2 = make_document(project=project, text=helpers.T2, title="Interview 2", case=r2)
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
