"""The SQL of this folder: one ``.sql`` file per result (named for what it returns), ``macros.sql`` (created on
every connection) and ``rollup.sql`` (the customer x month rollup), loaded by name only.

Money is summed exactly, as ``cast(sum(cast(x as decimal(38, 6))) as double)``: a float sum would depend on the
order DuckDB's threads add in (the convention: analytics/money.py).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent
_QUERY_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def load_sql(name: str) -> str:
    """The text of ``queries/NAME.sql``; the name must be one of the files of this folder.

    >>> "create or replace macro period_start" in load_sql("macros")
    True
    >>> load_sql("../secrets")
    Traceback (most recent call last):
    ...
    ValueError: unknown query '../secrets'
    """
    if not _QUERY_NAME_RE.match(name) or not (QUERY_DIR / f"{name}.sql").is_file():
        raise ValueError(f"unknown query {name!r}")
    return (QUERY_DIR / f"{name}.sql").read_text()
