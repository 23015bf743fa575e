"""The lifecycle chart: new, returning and resurrected customers stacked above zero, dormant ones below it, per
period. A Polars frame in, a Plotly figure out (no Streamlit)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from analytics import catalog
from ui import theme
from ui.format import period_label

#: State -> (catalog key, colour). Dormant in vermillion, the palette's "bad" colour.
STATES = {
    "returning": ("lifecycle_returning", theme.EXISTING_COLOR),
    "resurrected": ("lifecycle_resurrected", "#56B4E9"),
    "new": ("lifecycle_new", theme.NEW_COLOR),
    "dormant": ("lifecycle_dormant", "#D55E00"),
}
#: Table column -> catalog key, for shell.table (the column "new" alone would read as the revenue movement).
TABLE_FIGURES = {state: key for state, (key, _) in STATES.items()}


def lifecycle_chart(frame: pl.DataFrame, grain: str, context: dict[str, str] | None = None,
                    surface: str = "overview lifecycle") -> go.Figure:
    """Stacked bars per period (dormant drawn as negative counts), hatched when the period is incomplete; the
    title compares the customers gained (new + resurrected) with those gone dormant in the last complete period."""
    fig = go.Figure()
    if frame.height == 0:
        return theme.apply(fig, "No purchases in the selected window")
    labels = [period_label(p, grain, short=True) for p in frame["period"].to_list()]
    patterns = ["" if c else "/" for c in frame["is_complete"].to_list()]
    for state, (key, color) in STATES.items():
        sign = -1 if state == "dormant" else 1
        name = catalog.name(key)
        fig.add_bar(x=labels, y=[sign * v for v in frame[state].to_list()], name=name, marker_color=color,
                    marker_pattern_shape=patterns, customdata=frame[state].to_list(),
                    hovertemplate=f"%{{x}}<br>%{{customdata:,}} {name.lower()}<extra></extra>")
    done = frame.filter(pl.col("is_complete"))
    if done.height:
        last = done.row(-1, named=True)
        scope = catalog.context_of(period=last["period"], grain=grain, **(context or {}))
        for state, (key, _) in STATES.items():
            catalog.note(key, last[state], surface=surface, context=scope)
        gained, lost = last["new"] + last["resurrected"], last["dormant"]
        verdict = "grew" if gained > lost else ("shrank" if gained < lost else "held")
        title = (f"{period_label(last['period'], grain)}: {gained:,} arrived or came back, {lost:,} went dormant: "
                 f"the buying base {verdict}")
    else:
        title = "Customer lifecycle (no complete period yet)"
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text="Customers (dormant below zero)", tickformat=",d", zeroline=True,
                     zerolinewidth=2)
    fig.update_xaxes(title_text=f"{grain.capitalize()} (hatched = not complete at the as-of date)",
                     type="category")
    return theme.apply(fig, title)
