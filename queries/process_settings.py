"""The retention process's settings in ``retention.toml``: each touchpoint's expected window after signup.

::

    [process]
    handoff_package = 14
    welcome_call = 7

A touchpoint not listed gets :data:`DEFAULT_WINDOW_DAYS`. A value that is not a whole number of days from 0 to
3650 is ignored, with a warning naming the line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from queries.contract import MAPPING_FILE
from queries.problems import Problem

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 3650


def read_process_windows(data_dir: Path) -> tuple[dict[str, int], list[Problem]]:
    """(touchpoint -> window in days, warnings) from the ``[process]`` table of ``retention.toml``."""
    path = data_dir / MAPPING_FILE
    if not path.is_file():
        return {}, []
    try:
        doc = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}, []  # reported by queries.validation.read_mapping
    table = doc.get("process", {})
    if not isinstance(table, dict):
        return {}, [Problem("warning", MAPPING_FILE, f"{path}: [process] must be a table of touchpoint = days, "
                            "e.g. handoff_package = 14; the default window of 30 days applies.", file=str(path))]
    windows: dict[str, int] = {}
    problems: list[Problem] = []
    for name, days in table.items():
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_WINDOW_DAYS:
            problems.append(Problem("warning", MAPPING_FILE, f"{path}: [process] {name} = {days!r} is not a whole "
                                    f"number of days from 0 to {MAX_WINDOW_DAYS}; the default window of "
                                    f"{DEFAULT_WINDOW_DAYS} days applies.", file=str(path)))
            continue
        windows[str(name)] = days
    return windows, problems
