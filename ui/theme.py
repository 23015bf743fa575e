"""One Plotly theme for every chart: large type for projectors, a colour-blind safe palette (Okabe-Ito), in a light
and a dark variant, and a compact layout for phones (:func:`for_display`)."""

from __future__ import annotations

import copy
import textwrap
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

# Okabe & Ito (2008), safe for the common colour-vision deficiencies; ordered for contrast on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
NEW_COLOR = "#E69F00"
EXISTING_COLOR = "#0072B2"
MUTED = "#8C8C8C"
TEMPLATE_NAME = "retention"

_template = go.layout.Template()
_template.layout = go.Layout(
    font=dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=16, color="#1F2933"),
    title=dict(font=dict(size=22), x=0.0, xanchor="left", y=0.97),
    colorway=PALETTE,
    paper_bgcolor="#FFFFFF",
    plot_bgcolor="#FFFFFF",
    margin=dict(l=70, r=30, t=80, b=60),
    hoverlabel=dict(font_size=15),
    # Legend below the plot, at the bottom of the figure (container coordinates: the plot makes room for it). On the
    # right it took a third of a phone's width and sat over a right-hand axis title; above, it wrapped into the title.
    legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0.0,
                font=dict(size=15)),
    xaxis=dict(showgrid=False, linecolor="#9AA5B1", ticks="outside", title=dict(font=dict(size=16)),
               tickfont=dict(size=14), automargin=True),
    yaxis=dict(gridcolor="#E4E7EB", zerolinecolor="#9AA5B1", title=dict(font=dict(size=16)),
               tickfont=dict(size=14), automargin=True),
)
pio.templates[TEMPLATE_NAME] = _template

# The dark variant: the same palette and sizes on Streamlit's dark background; black ink (the palette's last colour,
# reference lines, the average curve) becomes light grey so it stays visible.
DARK_TEMPLATE_NAME = "retention_dark"
#: Streamlit 1.67's dark theme: background and text (read from the app in Chromium), so a chart is no panel.
DARK_BACKGROUND = "#171614"
DARK_TEXT = "#EDEBE8"
#: Colours the figure builders use as "ink" (black lines, dark text, the grey of incomplete cells) -> their
#: dark-theme counterparts.
DARK_INK = {"#000000": "#E4E7EB", "#1f2933": "#E4E7EB", "#d9d9d9": "#45423D"}
_dark = copy.deepcopy(_template)
_dark.layout.update(
    font_color=DARK_TEXT, paper_bgcolor=DARK_BACKGROUND, plot_bgcolor=DARK_BACKGROUND,
    colorway=[DARK_INK.get(c.lower(), c) for c in PALETTE],
    xaxis=dict(linecolor="#6B6761", gridcolor="#34312D", zerolinecolor="#6B6761"),
    yaxis=dict(linecolor="#6B6761", gridcolor="#34312D", zerolinecolor="#6B6761"),
)
pio.templates[DARK_TEMPLATE_NAME] = _dark


#: Plotly does not wrap titles: a longer one is cut at the figure's edge on a 1280-pixel-wide screen.
TITLE_LINE_CHARS = 100


def wrap_title(title: str, width: int = TITLE_LINE_CHARS) -> str:
    """``title`` with a line break (``<br>``) at the last space before ``width`` characters, when it is longer
    (a second line only: takeaway titles are one sentence); a title that has its own break is kept."""
    if "<br>" in title or len(title) <= width or " " not in title[1:width]:
        return title
    cut = title.rindex(" ", 1, width)
    return f"{title[:cut]}<br>{title[cut + 1:]}"


def apply(fig: go.Figure, title: str, height: int = 460) -> go.Figure:
    """Give ``fig`` the project theme and a title that states the takeaway (on two lines when it is long)."""
    wrapped = wrap_title(title)
    fig.update_layout(template=TEMPLATE_NAME, title_text=wrapped, height=height)
    if "<br>" in wrapped:
        # Room for the second line above the plot; anchored by its top, as Plotly's automatic anchor put the
        # first line's top above the chart's edge (cut on screen).
        fig.update_layout(margin_t=110, title_yanchor="top", title_y=1 - 24 / (fig.layout.height or height))
    return fig


#: Height of Plotly's toolbar above a chart, in pixels.
TOOLBAR_PIXELS = 32
#: Phones: characters per title line at the compact title size on a 390-pixel-wide screen.
COMPACT_TITLE_CHARS = 34


def _swap_ink(value: Any) -> Any:
    """``value`` (figure JSON) with every ink colour replaced by its dark-theme counterpart."""
    if isinstance(value, dict):
        return {k: _swap_ink(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_ink(v) for v in value]
    if isinstance(value, str):
        return DARK_INK.get(value.lower(), value)
    return value


def compact_title(title: str, width: int = COMPACT_TITLE_CHARS) -> str:
    """``title`` re-wrapped into lines of at most ``width`` characters (words are never split)."""
    return "<br>".join(textwrap.wrap(title.replace("<br>", " "), width, break_long_words=False)) or title


def _compact(template: go.layout.Template) -> go.layout.Template:
    """``template`` with a phone's type sizes (every axis, the legend, hover labels)."""
    small = copy.deepcopy(template)
    small.layout.update(font_size=12, title_font_size=15, hoverlabel_font_size=12, legend_font_size=12,
                        xaxis=dict(title_font_size=12, tickfont_size=11),
                        yaxis=dict(title_font_size=12, tickfont_size=11))
    return small


#: (dark, compact) -> the template of that display.
_DISPLAY_TEMPLATES = {(False, False): _template, (True, False): _dark, (False, True): _compact(_template),
                      (True, True): _compact(_dark)}


def for_display(fig: go.Figure, dark: bool = False, compact: bool = False) -> go.Figure:
    """A copy of a themed figure for the screen that shows it: the dark template (ink colours swapped) when the app
    is in its dark theme; on a phone (``compact``), smaller type, slim margins, the title wrapped to the width below
    the toolbar, long notes wrapped and crowded rows of numbers thinned. The figure builders stay width- and
    theme-free; the shell calls this just before drawing. Edits the figure's JSON and builds the figure once: about
    the cost of Streamlit's own serialisation of the figure (bench/board_pack.py)."""
    if not (dark or compact):
        return fig
    spec = fig.to_plotly_json()
    layout = spec.setdefault("layout", {})
    data = spec.get("data", [])
    if dark:
        data = spec["data"] = _swap_ink(data)
        for key in ("shapes", "annotations"):
            if key in layout:
                layout[key] = _swap_ink(layout[key])
    layout["template"] = _DISPLAY_TEMPLATES[(dark, compact)]
    if compact:
        title = layout.get("title", {}).get("text") or ""
        lines = compact_title(title).count("<br>") + 1 if title else 0
        # The title starts below the chart's toolbar, which otherwise covers its first line.
        layout["title"] = {**layout.get("title", {}), "text": compact_title(title), "font": {"size": 15},
                           "yref": "container", "y": 1.0, "yanchor": "top", "pad": {"t": TOOLBAR_PIXELS}}
        layout["margin"] = {"l": 10, "r": 10, "t": TOOLBAR_PIXELS + 20 * lines + 16, "b": 10}
        for annotation in layout.get("annotations", []):
            text = annotation.get("text") or ""
            if len(text) > COMPACT_NOTE_CHARS and "<br>" not in text:
                annotation["text"] = compact_title(text, COMPACT_NOTE_CHARS)
                annotation["font"] = {**annotation.get("font", {}), "size": 10}   # two short lines in its place
        for key, axis in layout.items():
            if key.startswith("xaxis") and isinstance(axis, dict) and axis.get("tickvals") is not None:
                axis["tickvals"] = [axis["tickvals"][i] for i in _spaced(axis["tickvals"])]
        for trace in data:
            if trace.get("mode") == "text":
                _thin_text_row(trace)
                trace["cliponaxis"] = False   # a number centred on the axis's first day is not cut in half
    return go.Figure(spec)


#: Phones: characters per line of a note drawn on a chart.
COMPACT_NOTE_CHARS = 40
#: Phones: a row of numbers drawn as text (the survival chart's customers at risk) keeps labels at least this share
#: of the x range apart, so that they do not print over each other on a 390-pixel screen.
COMPACT_TEXT_SPACING = 0.14


def _spaced(values: Any) -> list[int]:
    """Indices of ``values`` (numbers along an axis) at least :data:`COMPACT_TEXT_SPACING` of their range apart,
    the first and the last always kept (the last wins over a crowded neighbour); all of them when not numbers."""
    try:
        numbers = [float(x) for x in values]
    except (TypeError, ValueError):
        return list(range(len(values)))
    if len(numbers) < 2:
        return list(range(len(numbers)))
    gap = COMPACT_TEXT_SPACING * ((max(numbers) - min(numbers)) or 1.0)
    keep: list[int] = []
    for i, x in enumerate(numbers):
        if not keep or x - numbers[keep[-1]] >= gap:
            keep.append(i)
        elif i == len(numbers) - 1 and len(keep) > 1:
            keep[-1] = i   # the end of the axis wins over its crowded neighbour
    return keep


def _thin_text_row(trace: dict[str, Any]) -> None:
    xs = trace.get("x")
    if xs is None or isinstance(xs, str) or len(xs) < 2:
        return
    keep = _spaced(xs)
    for name in ("x", "y", "text", "customdata"):
        values = trace.get(name)
        if values is not None and not isinstance(values, str) and len(values) == len(xs):
            trace[name] = [values[i] for i in keep]
