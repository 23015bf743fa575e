"""One benchmark measurement in a fresh process: open the data, compute one page's tables cold, then again
after filter changes; print a JSON line. Run by bench.run, not by hand."""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    data_dir, page = sys.argv[1], sys.argv[2]
    from analytics.filters import Filters  # noqa: E402
    from bench.pages import PAGES, REFERENCE, filter_changes  # noqa: E402
    from queries import DataSource  # noqa: E402

    started = time.perf_counter()
    source = DataSource.open(Path(data_dir))
    opened = time.perf_counter()
    computes = REFERENCE if page == "reference" else PAGES[page]
    for compute in computes:
        compute(source, Filters())
    cold = time.perf_counter()
    changes = []
    for filters in filter_changes(source):
        t0 = time.perf_counter()
        for compute in computes:
            compute(source, filters)
        changes.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"page": page, "open_s": opened - started, "cold_s": cold - started,
                      "tables_s": cold - opened, "filter_change_s": statistics.median(changes),
                      "peak_mb": peak_mb, "rollup_s": source.rollup_seconds or 0.0,
                      "rollup_origin": source.rollup_origin}))


if __name__ == "__main__":
    main()
