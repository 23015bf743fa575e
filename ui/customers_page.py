"""The Customers page's texts, table and widgets, and the drill-down links other pages use to open it."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from analytics import catalog
from analytics.clv_models.customers import CustomerList
from analytics.clv_models.scores import ClvFit
from analytics.formats import current
from analytics.money import money_total
from ui.format import escape_markdown, percent

#: Rows sent to the browser at most (the CSV holds the whole filtered list).
TABLE_ROWS = 1_000
SORTS = {"value at risk": "value_at_risk", "predicted value": "predicted_value_12m", "P(alive)": "p_alive",
         "expected purchases": "expected_purchases_90d", "last purchase": "last_purchase",
         "customer id": "customer_id"}
#: Shown columns and their headers (the CSV keeps the column names).
SHOWN = {"customer_id": "Customer", "segment": "Segment", "channel": "Channel", "region": "Region",
         "p_alive": "p_alive", "value_at_risk": "value_at_risk", "predicted_value_12m": "predicted_value_12m",
         "value_if_active_12m": "value_if_active_12m", "expected_purchases_90d": "expected_purchases_90d",
         "expected_spend": "expected_spend", "frequency": "Repeat purchases", "last_purchase": "Last purchase",
         "signup_date": "Signup"}
#: The list's figures, named, formatted and defined by the metric catalog.
LIST_FIGURES = ("p_alive", "value_at_risk", "predicted_value_12m", "value_if_active_12m", "expected_purchases_90d",
                "expected_spend")


def cohort_label(cohort: date, grain: str) -> str:
    """How a cohort is named in a drill-down URL: 2024-03 (month), 2024-Q1 (quarter), 2024-03-04 (week)."""
    if grain == "month":
        return cohort.strftime("%Y-%m")
    if grain == "quarter":
        return f"{cohort.year}-Q{(cohort.month - 1) // 3 + 1}"
    return cohort.isoformat()


#: Drill-down parameters that are the shell's sidebar filters (widgets bound to the URL): set through their
#: session state, which a bound widget prefers to the URL once it exists.
SIDEBAR_FILTERS = ("segment", "channel", "region")
_PENDING = "_drill_to_customers"


def _request_drill(params: dict[str, str]) -> None:
    # A callback runs before the widgets of the next run exist, so the sidebar filters may be set here; the page
    # switch itself happens in that run (st.switch_page does nothing inside a callback).
    for key, value in params.items():
        if key in SIDEBAR_FILTERS:
            st.session_state[key] = [value]
    st.session_state[_PENDING] = {k: v for k, v in params.items() if k not in SIDEBAR_FILTERS}


def drill_link(label: str, **params: str) -> None:
    """A button that opens the customers behind a number, e.g. ``drill_link("March", cohort="2024-03")``: the
    filters in force stay, ``params`` are added (a segment / channel / region replaces the sidebar's)."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is not None:
        st.switch_page("pages/customers.py", query_params=pending)
    st.button(escape_markdown(label), icon=":material/group:", type="tertiary", on_click=_request_drill,
              args=(params,), key=f"drill-{sorted(params.items())}")


def drill_links(title: str, parameter: str, values: list[str]) -> None:
    """One link per value (a group of a chart) under a short title, in columns."""
    if not values:
        return
    st.caption(title)
    columns = st.columns(min(len(values), 5))
    for i, value in enumerate(values):
        with columns[i % len(columns)]:
            drill_link(str(value), **{parameter: str(value)})


def tiles(listed: pl.DataFrame, at_risk_below: float, context: catalog.Context = ()) -> None:
    """Customers listed, at risk, their value at risk, and the predicted value of the list (``context``: what
    the figures are for, noted in the catalog's ledger: the scores' date, the filters, the list's own filters)."""
    risky = listed.filter(pl.col("at_risk"))
    columns = st.columns(4)
    columns[0].metric("Customers listed", f"{listed.height:,}", help="After the shared filters and the list's own.")
    at_risk, at_stake, predicted = (catalog.figure(k) for k in ("at_risk_customers", "value_at_risk",
                                                                 "predicted_value_12m"))
    columns[1].metric(at_risk.name, catalog.show("at_risk_customers", risky.height, surface="customers tile",
                                                 context=context + (("at_risk_below", str(at_risk_below)),)),
                      help=f"P(alive) below {at_risk_below:.0%}.")
    columns[2].metric(at_stake.name, catalog.show("value_at_risk", money_total(risky["value_at_risk"]),
                                                  surface="customers tile",
                                                  context=context + (("at_risk_below", str(at_risk_below)),)),
                      help=at_stake.definition)
    columns[3].metric(predicted.name, catalog.show("predicted_value_12m", money_total(listed["predicted_value_12m"]),
                                                   surface="customers tile", context=context),
                      help=predicted.definition + " Summed over the customers listed.")


def customer_table(listed: pl.DataFrame) -> None:
    """The first TABLE_ROWS rows of the list, ids as plain text (never markdown or HTML), and how many of how
    many are shown."""
    shown = listed.head(TABLE_ROWS).select(list(SHOWN)).rename(SHOWN)
    fmt = current()
    config: dict[str, Any] = {
        "Customer": st.column_config.TextColumn("Customer", help="customer_id, shown as text"),
        "Signup": st.column_config.DateColumn("Signup", format="YYYY-MM-DD"),
        "Last purchase": st.column_config.DateColumn("Last purchase", format="YYYY-MM-DD"),
    }
    for key in LIST_FIGURES:
        fig = catalog.figure(key)
        label = fmt.with_currency(fig.name) if fig.unit == "money" else fig.name
        number_format = {"percent": "percent", "money": "%,.0f", "number": "%.2f"}[fig.unit]
        config[key] = st.column_config.NumberColumn(label, format=number_format, help=fig.definition)
    shown = shown.with_columns(pl.col(column).map_elements(lambda code, dim=dim: fmt.label(dim, code),
                                                           return_dtype=pl.String)
                               for column, dim in (("Segment", "segment"), ("Channel", "channel"),
                                                   ("Region", "region")))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    if listed.height > TABLE_ROWS:
        st.caption(f"Showing the first {TABLE_ROWS:,} of {listed.height:,} customers in this order; the CSV has "
                   "all of them.")
    else:
        st.caption(f"{listed.height:,} customers; click a header to re-sort the table (the CSV keeps the order "
                   "chosen above).")


def download_list(listed: pl.DataFrame) -> None:
    """The CSV of exactly the list shown (every row, in its order), written only when the button is clicked."""
    st.download_button(f"Download the {listed.height:,} customers listed (CSV)", lambda: listed.write_csv().encode(),
                       file_name="customer_list.csv", mime="text/csv", key="download-customer_list.csv",
                       icon=":material/download:")


def fit_caption(fit: ClvFit) -> str:
    """Parameters, customers and the spend-frequency correlation of the fit in force."""
    if fit.bgnbd is None:
        return ""
    r, alpha, a, b = fit.bgnbd.params
    text = (f"BG/NBD on {fit.bgnbd.customers:,} customers ({fit.bgnbd.rows:,} distinct rows), converged: r = "
            f"{r:.3f}, α = {alpha:.3f} weeks, a = {a:.3f}, b = {b:.3f}.")
    if fit.gamma_gamma is not None:
        p, q, v = fit.gamma_gamma.params
        text += (f" Gamma-Gamma on {fit.gamma_gamma.customers:,} repeat buyers: p = {p:.3f}, q = {q:.3f}, "
                 f"v = {v:,.2f}.")
    if fit.correlation is not None:
        verdict = "weak enough for the model" if abs(fit.correlation) < 0.3 else (
            "strong: spend and frequency are not independent, read the spend figures with care")
        text += f" Correlation of repeat purchases and mean spend: {fit.correlation:.2f} ({verdict})."
    text += f" Margin rate applied: {percent(fit.margin_rate, 1)}."
    return text


def heading(result: CustomerList, is_default_end: bool) -> str:
    """What the list is as of, in a sentence."""
    end = result.calibration_end.isoformat()
    return (f"Scores as of **{end}** ({'the as-of date' if is_default_end else 'the calibration end chosen'}), "
            "from the purchases up to then of every customer; the filters choose whom to list.")


def definitions(holdout_default: bool) -> str:
    """The page's Definitions expander (markdown)."""
    lines = [f"- **{fig.name}**: {escape_markdown(fig.definition)}" for fig in catalog.FIGURES.values()
             if fig.page == "customers"]
    split = ("the last 26 weeks are held out and the models refitted on the purchases before them, while the list "
             "uses all the data" if holdout_default else "the models are fitted up to the calibration end chosen")
    return "\n".join([
        "- **Purchase**: a day with a positive amount (refunds are left out of the models' spend). Frequency = "
        "repeat purchases (purchase days after the first); recency and age T are weeks from the first purchase "
        "to the last one and to the calibration end.",
        *lines,
        "- **Models**: BG/NBD (Fader, Hardie & Lee 2005) for purchases and dropout, Gamma-Gamma for spend per "
        "purchase, both fitted by maximum likelihood on every customer who bought by the calibration end.",
        f"- **Holdout check**: {split}; the charts compare what the model predicted after the split with what "
        "happened. The weekly chart follows the segment / channel / region filters but not the window's start.",
    ])
