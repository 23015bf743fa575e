"""Independent parts of a page computed side by side.

The machine the dashboard targets has two cores, and most of a page's time is spent in DuckDB, Polars and
NumPy, which release the GIL: two independent parts (the Survival page's curves and its hazard model) take
about as long as the slower one. Parts that need the same intermediate result compute it once
(``DataSource.memo`` makes a second thread wait for the first).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: One worker thread besides the caller's: two parts at a time, as the machine has two cores.
WORKERS = 1


def side_by_side(*calls: Callable[[], Any], initializer: Callable[[], None] | None = None) -> list[Any]:
    """``[call() for call in calls]``, the first in this thread and the rest on a worker thread meanwhile.

    Results come back in the order of ``calls``; an exception in any part is raised here, after every part
    has finished. ``initializer`` runs once in the worker thread before its first part (the Streamlit shell
    passes one that lets the worker use the page's caches).

    >>> side_by_side(lambda: 1, lambda: 2)
    [1, 2]
    """
    if len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="side-by-side",
                            initializer=initializer) as pool:
        rest = [pool.submit(call) for call in calls[1:]]
        try:
            first = calls[0]()
        finally:
            # Raise only once every part has stopped: no part runs on after the page moved on.
            outcomes = [future.exception() for future in rest]
    for outcome in outcomes:
        if outcome is not None:
            raise outcome
    return [first, *(future.result() for future in rest)]
