"""Benchmark: the CLV models' fit at a million customers (the issue's target: under 10 s on this machine).

    python -m bench.clv_fit --data /tmp/big --runs 5     # /tmp/big: python -m sample_data.generate --customers
                                                         # 1000000 --seed 1 --out /tmp/big (~10M transactions)

Opens the data folder, reads every customer's (x, t_x, T) and repeat spend at the as-of date (the rollup is
loaded from, or built into, the rollup cache first, and not timed), then times in this process, ``--runs``
times each: the BG/NBD fit (identical rows merged and weighted, exact gradients, the convergence check
included), the Gamma-Gamma fit, and the scores of every customer. Prints the medians and every run as JSON.
Not part of the test suite: tests never assert a timing.
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
    from analytics.clv_models.bgnbd import fit_bgnbd
    from analytics.clv_models.gamma_gamma import fit_gamma_gamma
    from analytics.clv_models.inputs import DAYS_PER_WEEK, calibration_inputs
    from analytics.clv_models.scores import model_scores
    from queries import DataSource

    parser = argparse.ArgumentParser(prog="python -m bench.clv_fit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    source = DataSource.open(args.data)
    started = time.perf_counter()
    inputs = calibration_inputs(source, source.as_of)
    read_s = time.perf_counter() - started
    x = inputs["frequency"].to_numpy()
    recency = inputs["recency_days"].to_numpy() / DAYS_PER_WEEK
    age = inputs["age_days"].to_numpy() / DAYS_PER_WEEK
    repeat = inputs.filter((inputs["frequency"] > 0) & (inputs["mean_repeat_spend"] > 0))
    runs = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        bgnbd = fit_bgnbd(x, recency, age)
        t1 = time.perf_counter()
        spend = fit_gamma_gamma(repeat["frequency"].to_numpy(), repeat["mean_repeat_spend"].to_numpy())
        t2 = time.perf_counter()
        model_scores(x, inputs["recency_days"].to_numpy(), inputs["age_days"].to_numpy(),
                     inputs["mean_repeat_spend"], bgnbd, spend, 0.7, 0.10, inputs["first_purchase_spend"])
        t3 = time.perf_counter()
        runs.append({"bgnbd_s": t1 - t0, "gamma_gamma_s": t2 - t1, "scores_s": t3 - t2,
                     "bgnbd_converged": bgnbd.converged, "gamma_gamma_converged": spend.converged})
    summary = {
        "customers": inputs.height, "distinct_rows": bgnbd.rows, "repeat_customers": repeat.height,
        "read_inputs_s": read_s, "params": {"bgnbd": bgnbd.params, "gamma_gamma": spend.params},
        **{f"median_{k}": statistics.median(r[k] for r in runs) for k in ("bgnbd_s", "gamma_gamma_s", "scores_s")},
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "runs": runs,
    }
    print(json.dumps(summary, indent=1))
    source.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
