"""What loading a data folder found wrong with it, and the exception that carries those findings.

Problems with the data never raise while a folder is opened: they are collected as :class:`Problem` records so
that the app can show them and keep running. Asking for an export that is not usable raises
:class:`DataUnavailable`, which carries the problems that made it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """One finding about the data. ``error`` makes its export unusable; ``warning`` is shown, not gating."""

    level: Literal["error", "warning"]
    export: str
    message: str
    column: str | None = None
    file: str | None = None


class DataUnavailable(Exception):
    """Raised when a computation needs an export that has errors (or is absent)."""

    def __init__(self, export: str, problems: list[Problem]) -> None:
        self.export = export
        self.problems = problems
        text = "; ".join(p.message for p in problems) or f"The {export} export is not available."
        super().__init__(text)
