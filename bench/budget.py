"""Benchmark: the Budget page's model work (issue #23): the report with its uncertainty band, the band alone
(exact vs interpolated survival totals), and the targeted calibration.

    python -m bench.budget                      # the bundled sample, 5 runs
    python -m bench.budget --data DIR --runs 5

Calibrates once (not timed: the page caches it), then times in this process, ``--runs`` times each:
``budget_report`` (baseline, current, best, curve, sensitivity grid, 300-draw band), ``uncertainty`` alone,
the 300 x 101 net contribution exactly (every draw's survival totals computed) and interpolated on the 401-point
grid the band uses, with the largest difference between the two; and ``calibrate_targeted`` for the largest
segment (three calibrations). Prints the medians, every run and the peak memory (ru_maxrss) as JSON. Not part of
the test suite: tests never assert a timing.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import polars as pl

    from analytics.budget import (
        SHARES,
        Assumptions,
        CalibrationSettings,
        budget_report,
        calibrate,
        calibrate_targeted,
        draw_assumptions,
        horizon_net_contribution,
        uncertainty,
    )
    from analytics.budget.uncertainty import GRID
    from analytics.filters import Filters
    from queries import DataSource

    parser = argparse.ArgumentParser(prog="python -m bench.budget", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "sample_data")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    source = DataSource.open(args.data)
    settings = CalibrationSettings()
    calibration = calibrate(source, Filters(), settings)
    if calibration.problem:
        print(calibration.problem, file=sys.stderr)
        return 1
    a = calibration.resolve(Assumptions())
    assert a.budget is not None
    betas, r_maxes, b_halves, _ = draw_assumptions(a)
    segment = str(source.run("dimension_values").filter(pl.col("dimension") == "segment")["value"][0])

    def timed(fn):  # type: ignore[no-untyped-def]
        runs = []
        result = None
        for _ in range(args.runs):
            started = time.perf_counter()
            result = fn()
            runs.append(round(time.perf_counter() - started, 4))
        return runs, result

    report_runs, _ = timed(lambda: budget_report(calibration, a))
    band_runs, _ = timed(lambda: uncertainty(calibration, a))
    exact_runs, exact = timed(lambda: horizon_net_contribution(calibration, a.budget, a.horizon_months, SHARES,
                                                               betas, r_maxes, b_halves))
    grid_runs, interpolated = timed(lambda: horizon_net_contribution(calibration, a.budget, a.horizon_months,
                                                                     SHARES, betas, r_maxes, b_halves, grid=GRID))
    targeted_runs, _ = timed(lambda: calibrate_targeted(source, Filters(), settings, "segment", segment))
    difference = np.abs(np.asarray(exact) - np.asarray(interpolated))
    out = {
        "data": str(args.data), "customers_in_base": calibration.customer_base, "ages": int(calibration.base.size),
        "draws": int(betas.size), "shares": int(SHARES.size), "grid": GRID,
        "budget_report_s": statistics.median(report_runs), "uncertainty_s": statistics.median(band_runs),
        "net_exact_s": statistics.median(exact_runs), "net_interpolated_s": statistics.median(grid_runs),
        "interpolation_max_abs_error": float(difference.max()),
        "interpolation_max_rel_error": float((difference / np.abs(np.asarray(exact))).max()),
        "calibrate_targeted_s": statistics.median(targeted_runs), "targeted_group": f"segment {segment}",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "runs": {"budget_report": report_runs, "uncertainty": band_runs, "net_exact": exact_runs,
                 "net_interpolated": grid_runs, "calibrate_targeted": targeted_runs},
    }
    print(json.dumps(out, indent=2))
    source.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
