"""The analysis app's tables in a full backup (see ``coding.backup``).

Frequencies and analysis results are derived (recomputed); the stop lists and the
auto-coding runs travel. A run holds coding ids and a segment filter inside JSON:
``autocode_embedded`` names them and ``autocode_translate`` maps them to the
restored project's ids.
"""

from __future__ import annotations

from collections.abc import Iterator

from coding.backup import USER, Lookup, ModelTable, is_id

_FILTER_KEYS = {"codes": "coding.Code", "coders": USER, "documents": "coding.Document"}


def autocode_embedded(row: dict) -> Iterator[tuple[str, int]]:
    for value in row.get("coding_ids") or []:
        if is_id(value):
            yield "coding.Coding", value
    query_filter = (row.get("params") or {}).get("filter")
    if isinstance(query_filter, dict):
        for key, kind in _FILTER_KEYS.items():
            for value in query_filter.get(key) or []:
                if is_id(value):
                    yield kind, value


def autocode_translate(row: dict, lookup: Lookup) -> dict:
    if "created_at" in row:  # a backup from before runs became jobs
        row.setdefault("requested_at", row.pop("created_at"))
    row["coding_ids"] = [
        lookup("coding.Coding", v) for v in row.get("coding_ids") or []
    ]
    params = row.get("params")
    if isinstance(params, dict) and isinstance(params.get("filter"), dict):
        query_filter = dict(params["filter"])
        for key, kind in _FILTER_KEYS.items():
            if isinstance(query_filter.get(key), list):
                query_filter[key] = [lookup(kind, v) for v in query_filter[key]]
        row["params"] = {**params, "filter": query_filter}
    return row


STOP_WORDS = ModelTable("stop_words", "analysis.ProjectStopWords", "project")
AUTOCODE_RUNS = ModelTable(
    "autocode_runs",
    "analysis.AutoCodeRun",
    "project",
    embedded=autocode_embedded,
    translate=autocode_translate,
)

STOP_WORDS_BACKUP = STOP_WORDS.part()
AUTOCODE_RUNS_BACKUP = AUTOCODE_RUNS.part()
