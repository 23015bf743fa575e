"""The sample business's retention process: the ``touchpoints`` and ``leads`` exports, drawn after the customers
and transactions from their own seeded stream (``SeedSequence([seed, PROCESS_STREAM])``), so the three original
exports stay byte-identical whatever this module does.

What is planted (each figure is what the Retention process page should recover on the bundled sample):

- **Coverage gaps.** Each onboarding touch reaches a share of new customers within its window after signup
  (``TOUCHES``: welcome_call ~70% within 7 days, handoff_package ~20% within 14, onboarding ~55% within 30); a
  few of the others get it late (after the window), which the time-to-touch distribution shows.
- **Association with churn.** Among customers still customers at the landmark (the touch's window after
  signup, under the app's default combined churn definition with 90 days of inactivity), those touched by then
  churn with hazard ratio ``hazard_ratio`` relative to the others (welcome_call 0.75, handoff_package 0.6,
  onboarding 1.0 = no association). The touch is assigned from each customer's remaining time: with mixture
  share pi and ratio h, the chance of the touch given the remaining time t is the posterior
  pi f1(t) / (pi f1(t) + (1 - pi) f0(t)), where S1 = S0^h (f1 = h S0^(h-1) f0 for a churn, S1/S0 for a
  censored time) and S0 solves pi S0^h + (1 - pi) S0 = S (S: the pooled Kaplan-Meier of the remaining times).
  Nothing here changes a lifetime: the touch is placed on customers who stay, as in observational data.
- **Offers to existing customers** (touchpoint ``offer``, about one a customer-year while they buy), accepted
  with probability ``OFFER_ACCEPT`` (60%), beside **leads** that convert at ``LEAD_CONVERSION`` by channel
  (~12% overall): a quarter of the customers came through a lead (created 0-60 days before signup); the other
  leads never convert.
- **Cost** per touch (``TOUCH_COST``), so the page can show cost per retained customer-month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PROCESS_STREAM = 20  # the issue that added the process: any constant that is not a spawn index of generate.py
INACTIVITY_DAYS = 90  # the app's default combined churn definition (analytics.survival.DEFAULT_INACTIVITY_DAYS)


@dataclass(frozen=True)
class Touch:
    name: str
    window_days: int
    coverage: float
    hazard_ratio: float
    late_share: float  # of those not touched in the window, the share touched within two more windows


TOUCHES = (
    Touch("welcome_call", 7, 0.70, 0.75, 0.30),
    Touch("handoff_package", 14, 0.20, 0.60, 0.15),
    Touch("onboarding", 30, 0.55, 1.00, 0.25),
)
TOUCH_COST = {"welcome_call": 12.0, "handoff_package": 45.0, "onboarding": 60.0, "check_in": 8.0,
              "support_ticket": 20.0, "offer": 3.0}
CHECK_IN_EVERY_DAYS = 120
CHECK_IN_RATE = 0.35
SUPPORT_TICKETS_PER_YEAR = 0.25
OFFERS_PER_YEAR = 1.0
OFFER_ACCEPT = 0.60
LEAD_SHARE = 0.25
LEAD_CONVERSION = {"paid_search": 0.10, "paid_social": 0.06, "organic": 0.15, "referral": 0.30, "partners": 0.22}

TOUCHPOINTS_SCHEMA = pa.schema([("customer_id", pa.string()), ("touch_date", pa.date32()),
                                ("touchpoint", pa.string()), ("outcome", pa.string()), ("cost", pa.float64())])
LEADS_SCHEMA = pa.schema([("lead_id", pa.string()), ("created_date", pa.date32()), ("channel", pa.string()),
                          ("customer_id", pa.string())])


def observed_churn(signup: IntArray, churn_day: IntArray, last_buy: IntArray,
                   as_of: int) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """(duration in days, churned) per customer under the app's combined definition with 90 days."""
    recorded = (churn_day >= 0) & (churn_day <= as_of)
    activity = np.maximum(signup, np.where(last_buy >= 0, last_buy, signup))
    inactive = ~recorded & (activity + INACTIVITY_DAYS <= as_of)
    end = np.where(recorded, churn_day, np.where(inactive, activity, as_of))
    return end - signup, recorded | inactive


def _km_at(times: FloatArray, events: npt.NDArray[np.bool_]) -> FloatArray:
    """The pooled Kaplan-Meier survival just after each subject's own time."""
    order = np.argsort(times, kind="stable")
    t, e = times[order], events[order]
    uniq, first = np.unique(t, return_index=True)
    at_risk = len(t) - first
    deaths = np.add.reduceat(e.astype(np.int64), first)
    surv = np.cumprod(1.0 - deaths / at_risk)
    return surv[np.searchsorted(uniq, times)]


def _baseline(s_mix: FloatArray, share: float, ratio: float) -> FloatArray:
    """x in (0, 1] with share x^ratio + (1 - share) x = s_mix (increasing in x: bisection)."""
    lo, hi = np.zeros_like(s_mix), np.ones_like(s_mix)
    for _ in range(50):
        mid = (lo + hi) / 2
        high = share * mid ** ratio + (1 - share) * mid > s_mix
        hi, lo = np.where(high, mid, hi), np.where(high, lo, mid)
    return np.maximum((lo + hi) / 2, 1e-9)


def touch_probability(remaining: FloatArray, churned: npt.NDArray[np.bool_], share: float,
                      ratio: float) -> FloatArray:
    """P(touched | remaining time, churned) that makes touched customers churn with hazard ``ratio`` times the
    others' (proportional hazards, pooled baseline), with ``share`` of them touched."""
    s0 = _baseline(np.clip(_km_at(remaining, churned), 1e-9, 1.0), share, ratio)
    lift = s0 ** (ratio - 1) * np.where(churned, ratio, 1.0)
    return share * lift / (share * lift + 1 - share)


def retention_process(seed: int, ids: pa.Array, signup: IntArray, channel_names: pa.Array, churn_day: IntArray,
                      last_buy: IntArray, as_of: int) -> tuple[pa.Table, pa.Table]:
    """(touchpoints, leads) as Arrow tables. ``last_buy``: each customer's last day with a positive amount (-1:
    none)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, PROCESS_STREAM]))
    n = len(signup)
    duration, churned = observed_churn(signup, churn_day, last_buy, as_of)
    cust: list[IntArray] = []
    days: list[IntArray] = []
    kinds: list[npt.NDArray[np.str_]] = []
    outcomes: list[npt.NDArray[np.object_]] = []

    def add(who: IntArray, when: IntArray, kind: str, outcome: npt.NDArray[np.object_] | None = None) -> None:
        keep = when <= as_of
        cust.append(who[keep])
        days.append(when[keep])
        kinds.append(np.full(int(keep.sum()), kind))
        outcomes.append(outcome[keep] if outcome is not None else np.full(int(keep.sum()), None, dtype=object))

    for touch in TOUCHES:
        w = touch.window_days
        survivors = (duration > w) & (signup + w <= as_of)
        p = np.full(n, touch.coverage)
        p[survivors] = touch_probability((duration[survivors] - w).astype(np.float64), churned[survivors],
                                         touch.coverage, touch.hazard_ratio)
        touched = rng.random(n) < p
        # Within the window, and not after a churn before it (nobody calls a customer who has left).
        latest = np.minimum(w, np.maximum(duration, 0))
        when = signup + np.floor(rng.random(n) * (latest + 1)).astype(np.int64)
        late = ~touched & survivors & (rng.random(n) < touch.late_share)
        late_when = signup + w + 1 + rng.integers(0, 2 * w, n)
        add(np.flatnonzero(touched), when[touched], touch.name)
        add(np.flatnonzero(late), late_when[late], touch.name)

    # Recurring touches while the customer is a customer: check-ins, support tickets, offers.
    life = np.maximum(duration, 0)
    for kind, every, rate in (("check_in", CHECK_IN_EVERY_DAYS, CHECK_IN_RATE),
                              ("support_ticket", 365, SUPPORT_TICKETS_PER_YEAR),
                              ("offer", 365, OFFERS_PER_YEAR)):
        count = rng.poisson(rate * life / every)
        who = np.repeat(np.arange(n), count)
        when = signup[who] + np.floor(rng.random(len(who)) * (life[who] + 1)).astype(np.int64)
        outcome = None
        if kind == "offer":
            outcome = np.where(rng.random(len(who)) < OFFER_ACCEPT, "accepted", "declined").astype(object)
        add(who, when, kind, outcome)

    who_all, day_all = np.concatenate(cust), np.concatenate(days)
    kind_all, outcome_all = np.concatenate(kinds), np.concatenate(outcomes)
    order = np.lexsort((who_all, day_all))
    kind_sorted = kind_all[order]
    touchpoints = pa.table(
        [ids.take(pa.array(who_all[order])), pa.array(day_all[order].astype(np.int32), type=pa.date32()),
         pa.array(kind_sorted, type=pa.string()), pa.array(outcome_all[order], type=pa.string()),
         pa.array([TOUCH_COST[k] for k in kind_sorted], type=pa.float64())],
        schema=TOUCHPOINTS_SCHEMA)

    # Leads: a quarter of the customers came through one; per channel the unconverted ones make the conversion rate.
    names = np.asarray(channel_names.to_pylist(), dtype=object)
    from_lead = np.flatnonzero(rng.random(n) < LEAD_SHARE)
    lead_days = [signup[from_lead] - rng.integers(0, 61, len(from_lead))]
    lead_channel = [names[from_lead]]
    lead_customer: list[npt.NDArray[np.object_]] = [np.asarray(ids.take(pa.array(from_lead)).to_pylist(), dtype=object)]
    first, last = int(signup.min()), as_of
    for name, rate in LEAD_CONVERSION.items():
        converted = int((names[from_lead] == name).sum())
        lost = int(round(converted * (1 - rate) / rate))
        lead_days.append(rng.integers(first - 60, last + 1, lost))
        lead_channel.append(np.full(lost, name, dtype=object))
        lead_customer.append(np.full(lost, None, dtype=object))
    l_day, l_channel, l_customer = (np.concatenate(lead_days), np.concatenate(lead_channel),
                                    np.concatenate(lead_customer))
    order = np.argsort(l_day, kind="stable")
    width = len(str(len(order)))
    leads = pa.table(
        [pa.array([f"L{i + 1:0{width}d}" for i in range(len(order))], type=pa.string()),
         pa.array(l_day[order].astype(np.int32), type=pa.date32()),
         pa.array(l_channel[order], type=pa.string()), pa.array(l_customer[order], type=pa.string())],
        schema=LEADS_SCHEMA)
    return touchpoints, leads
