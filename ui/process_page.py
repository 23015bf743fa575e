"""What the Retention process page shows when an optional export is missing or unusable, and its definitions
(Streamlit widgets; the page itself stays a thin script)."""

from __future__ import annotations

import streamlit as st

from queries import DataSource
from queries.contract import EXPORTS
from queries.process_settings import DEFAULT_WINDOW_DAYS
from ui.format import escape_markdown

WOULD_SHOW = {
    "touchpoints": "whether each step of your retention process happened (the share of new customers who got the "
                   "welcome call, the handoff package... within its window), how long it took, whether customers "
                   "who got it stayed longer, and how often existing customers accept your offers",
    "leads": "how often prospects become customers, beside how often existing customers accept an offer",
}


def missing_export(source: DataSource, name: str) -> None:
    """Say what the export would show and how to produce it (its contract), or that it has errors."""
    spec = EXPORTS[name]
    if source.files.get(name):
        st.warning(f"The **{name}** export is in the data folder but could not be used:")
        for problem in [p for p in source.problems if p.export == name]:
            st.markdown(f"- {escape_markdown(problem.message)}")
        st.page_link("pages/data_health.py", label="See the Data health page for details", icon="🩺")
        return
    columns = "\n".join(f"| `{c.name}` | {c.kind} | {'yes' if c.required else 'no'} | {c.description} |"
                        for c in spec.columns)
    st.info(f"""**No `{name}` export in the data folder.** With it, this page would show {WOULD_SHOW[name]}.

Add `{name}.parquet` (or a folder `{name}/` of Parquet files) to the data folder: {spec.description.lower()}

| column | kind | required | meaning |
|---|---|---|---|
{columns}

Other column names can be mapped in `retention.toml` (`[columns.{name}]`).""")


def definitions(grain: str) -> None:
    with st.expander("Definitions", expanded=False):
        st.markdown(f"""
- **Window**: how soon after signup a touchpoint should happen, in days: `[process]` in `retention.toml`
  (e.g. `handoff_package = 14`); {DEFAULT_WINDOW_DAYS} days when not listed. Offers and support tickets are not
  planned onboarding steps and get no coverage unless listed.
- **Coverage** of a touchpoint in a signup cohort ({grain}) = new customers of the cohort with that touch dated
  from their signup date to signup + window / new customers of the cohort whose window has ended by the as-of
  date (a cohort is not judged before it had the time).
- **Time to touch**: days from signup to the customer's first touch of that kind.
- **Landmark analysis**: the customers still customers at the touchpoint's window after signup (not churned by
  then under the churn definition in force), split by whether they had the touch by then; days counted from that
  landmark. Kaplan-Meier curves with 95% bands, a log-rank test, and a Cox hazard ratio (touched vs not)
  adjusted for segment, channel and region, with its 95% interval. **Why a landmark**: comparing everyone who
  was ever touched with everyone who was not credits the touch with the survival of customers who simply stayed
  long enough to receive it (immortal-time bias); at the landmark both groups have survived the same time.
- **This is an association in observational data, not proof of cause**: customers who got the touch may differ
  in ways the data does not show (the team may call the accounts that look promising). A randomised test (touch
  a random half) is the way to prove the effect.
- **Offer acceptance** = offers to existing customers (touchpoint `offer` with an outcome) whose outcome is
  `accepted` / offers. **Lead conversion** = leads with a `customer_id` / leads created in the {grain}. Recent
  leads may still convert, so the last {grain}s' rates can only rise. Intervals: Wilson 95%. The segment and
  region filters do not apply to leads (a prospect has neither); the channel filter uses the lead's channel.
""")
        st.page_link("pages/glossary.py", label="Every figure's definition: the Glossary", icon=":material/menu_book:")
