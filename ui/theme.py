"""One Plotly theme for every chart: large type for projectors, a colour-blind safe palette (Okabe-Ito)."""

from __future__ import annotations

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
    # Legend on the right: a horizontal legend above the plot wraps into the title when groups are many.
    legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02, font=dict(size=15)),
    xaxis=dict(showgrid=False, linecolor="#9AA5B1", ticks="outside", title=dict(font=dict(size=16)),
               tickfont=dict(size=14), automargin=True),
    yaxis=dict(gridcolor="#E4E7EB", zerolinecolor="#9AA5B1", title=dict(font=dict(size=16)),
               tickfont=dict(size=14), automargin=True),
)
pio.templates[TEMPLATE_NAME] = _template


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
        fig.update_layout(margin_t=110)  # room for the second line above the plot
    return fig
