"""Time the agreement maths at project scale, next to ``krippendorff`` and NLTK.

    .venv/bin/python bench/agreement.py            # 10, 50 and 200 documents
    .venv/bin/python bench/agreement.py 10 50      # chosen sizes

Pure numpy, no Django or database. Synthetic project: 60 codes, 4 coders,
documents of ~45,000 characters (~8,000 words) in ~100 speaker turns; each coder
codes each "true" segment with probability 0.8 and jittered boundaries, plus stray
spans, so agreement is realistic rather than random. For each size it prints
median wall time (of 3 runs after a warm-up; 1 run for NLTK) of:

* character-level NVivo κ for every code × coder pair, and the same per turn;
* segment-level Krippendorff α (nominal) over turns for all 60 codes, with
  ``krippendorff.alpha`` on the same matrices;
* unitizing: the u-alpha family and the 1995 α_U per code, documents laid end to end;
* a 1,000-resample bootstrap of α for one code;
* NLTK's ``AnnotationTask.alpha()`` and ``.kappa()`` on one code's data (too slow to
  run for all 60; multiply by 60 to compare with the all-codes figures).

Reference libraries that are not installed are reported as such, not required.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agreement.stats import (
    character_table,
    krippendorff_alpha,
    unitizing_alpha,
    unitizing_alpha_1995,
)

CODES = 60
CODERS = 4
DOC_LENGTH = 45_000
TURNS = 100
TRUE_SEGMENTS = 3  # per document and code
RUNS = 3


def make_project(n_docs: int, seed: int = 0) -> dict:
    """Synthetic spans (doc, code, coder, start, end), turn starts and turn-level data."""
    rng = np.random.default_rng(seed)
    size = n_docs * CODES * TRUE_SEGMENTS
    doc = np.repeat(np.arange(n_docs), CODES * TRUE_SEGMENTS)
    code = np.tile(np.repeat(np.arange(CODES), TRUE_SEGMENTS), n_docs)
    start = rng.integers(0, DOC_LENGTH - 1600, size=size)
    end = start + rng.integers(50, 1500, size=size)
    spans = []
    for coder in range(CODERS):
        kept = rng.random(size) < 0.8
        jitter_start = np.clip(
            start + rng.integers(-30, 31, size=size), 0, DOC_LENGTH - 1
        )
        jitter_end = np.clip(
            end + rng.integers(-30, 31, size=size), jitter_start + 1, DOC_LENGTH
        )
        stray = rng.random(size) < 0.2
        stray_start = rng.integers(0, DOC_LENGTH - 600, size=size)
        stray_end = stray_start + rng.integers(20, 600, size=size)
        rows = np.concatenate(
            [
                np.column_stack(
                    [doc, code, np.full(size, coder), jitter_start, jitter_end]
                )[kept],
                np.column_stack(
                    [doc, code, np.full(size, coder), stray_start, stray_end]
                )[stray],
            ]
        )
        spans.extend(map(tuple, rows.tolist()))
    lengths = dict.fromkeys(range(n_docs), DOC_LENGTH)
    turn_starts = {
        d: np.r_[
            0, np.sort(rng.choice(np.arange(1, DOC_LENGTH), TURNS - 1, replace=False))
        ]
        for d in range(n_docs)
    }
    # Turn-level reliability data per code: a turn "has" the code (10 %), each coder
    # agrees with probability 0.95; coder 3 skipped every tenth document (missing).
    n_units = n_docs * TURNS
    truth = rng.random((CODES, n_units)) < 0.1
    flips = rng.random((CODES, n_units, CODERS)) < 0.05
    segments = (truth[:, :, None] ^ flips).astype(float)
    skipped = np.repeat(np.arange(n_docs) % 10 == 9, TURNS)
    segments[:, skipped, 3] = np.nan
    return {
        "spans": spans,
        "lengths": lengths,
        "turns": turn_starts,
        "segments": segments,
    }


def timed(function: Callable[[], object], runs: int = RUNS) -> tuple[float, object]:
    """Median wall time over ``runs`` calls, after one untimed warm-up call."""
    result = function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def unitizing_inputs(project: dict) -> list[list[list[tuple[int, int, str]]]]:
    """Per code, each coder's spans with documents laid end to end, overlaps merged."""
    by_code: list[list[list[tuple[int, int]]]] = [
        [[] for _ in range(CODERS)] for _ in range(CODES)
    ]
    for doc, code, coder, start, end in project["spans"]:
        offset = doc * DOC_LENGTH
        by_code[code][coder].append((offset + start, offset + end))
    result = []
    for coders in by_code:
        merged_coders = []
        for spans in coders:
            spans.sort()
            merged: list[list[int]] = []
            for start, end in spans:
                if merged and start < merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            merged_coders.append([(s, e, "code") for s, e in merged])
        result.append(merged_coders)
    return result


def run(n_docs: int) -> list[tuple[str, float | None, str]]:
    try:
        import krippendorff
    except ImportError:
        krippendorff = None
    try:
        from nltk.metrics.agreement import AnnotationTask
    except ImportError:
        AnnotationTask = None

    project = make_project(n_docs)
    segments = project["segments"]
    length = n_docs * DOC_LENGTH
    rows: list[tuple[str, float | None, str]] = []

    def table(unit_starts=None):
        built = character_table(
            spans=project["spans"],
            lengths=project["lengths"],
            codes=range(CODES),
            coders=range(CODERS),
            unit_starts=unit_starts,
        )
        return built, [built.kappa(pair=(a, b)) for a, b in built.pairs]

    seconds, (built, _) = timed(table)
    pooled = built.pooled(pair=(0, 1), code=0).weighted.kappa
    note = f"{len(project['spans']):,} spans; code 0 pooled κ {pooled:.3f}"
    rows.append(("character κ, all codes × 6 pairs", seconds, note))
    seconds, _ = timed(lambda: table(project["turns"]))
    rows.append(("turn-level κ, all codes × 6 pairs", seconds, ""))

    seconds, ours = timed(lambda: [krippendorff_alpha(s).alpha for s in segments])
    note = f"{segments.shape[1]:,} turns; code 0 α {ours[0]:.4f}"
    rows.append(("segment α (ours), 60 codes", seconds, note))
    if krippendorff is None:
        rows.append(("segment α (krippendorff), 60 codes", None, "not installed"))
    else:
        seconds, theirs = timed(
            lambda: [
                krippendorff.alpha(reliability_data=s.T, level_of_measurement="nominal")
                for s in segments
            ]
        )
        gap = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
        label = f"segment α (krippendorff {version('krippendorff')}), 60 codes"
        rows.append((label, seconds, f"max |Δα| vs ours {gap:.1e}"))

    units = unitizing_inputs(project)
    seconds, family = timed(lambda: [unitizing_alpha(u, length=length) for u in units])
    note = f"code 0 |uα {family[0].binary_alpha:.3f}"
    rows.append(("unitizing uα family, 60 codes", seconds, note))
    seconds, old = timed(
        lambda: [unitizing_alpha_1995(u, length=length) for u in units]
    )
    rows.append(
        ("unitizing α_U 1995, 60 codes", seconds, f"code 0 α_U {old[0].alpha:.3f}")
    )

    seconds, boot = timed(
        lambda: krippendorff_alpha(segments[0], n_resamples=1000, seed=1)
    )
    note = f"95 % CI {boot.ci_low:.3f}–{boot.ci_high:.3f}"
    rows.append(("bootstrap α, 1,000 resamples, 1 code", seconds, note))

    if AnnotationTask is None:
        rows.append(("NLTK AnnotationTask, 1 code", None, "not installed"))
        return rows
    triples = [
        (f"c{coder}", f"u{unit}", int(value))
        for unit, row in enumerate(segments[0])
        for coder, value in enumerate(row)
        if not np.isnan(value)
    ]
    task = AnnotationTask(data=triples)
    seconds, nltk_alpha = timed(task.alpha, runs=1)
    note = f"α {nltk_alpha:.4f} (ours {ours[0]:.4f})"
    rows.append(("NLTK AnnotationTask.alpha(), 1 code", seconds, note))
    # NLTK's kappa needs every coder on every item: keep the fully coded turns.
    full = ~np.isnan(segments[0]).any(axis=1)
    task = AnnotationTask(data=[t for t in triples if full[int(t[1][1:])]])
    seconds, nltk_kappa = timed(task.kappa, runs=1)
    note = f"mean pairwise κ {nltk_kappa:.4f} on {int(full.sum()):,} complete turns"
    rows.append(("NLTK AnnotationTask.kappa(), 1 code", seconds, note))
    return rows


def main(sizes: list[int]) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"load average {load} on {os.cpu_count()} cores (other work skews the figures)"
    )
    print(
        f"{CODES} codes × {CODERS} coders, {DOC_LENGTH:,} characters and {TURNS} turns per document"
    )
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    for n_docs in sizes:
        print(f"\n{n_docs} documents")
        for label, seconds, note in run(n_docs):
            shown = "—" if seconds is None else f"{seconds * 1000:.1f} ms"
            print(f"  {label:<44} {shown:>12}  {note}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10, 50, 200])
