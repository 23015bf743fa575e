"""A saved scenario as one compact URL parameter (the Budget page's ``s1``..``s3``), and back."""

from __future__ import annotations

from analytics.budget.inputs import HORIZON_RANGE, Assumptions, Scenario


def clean_name(name: str) -> str:
    """A scenario name safe for the compact URL form: no ``|``, one line, at most 40 characters."""
    text = " ".join(name.replace("|", "/").split())
    return text[:40].strip()


def encode_scenario(name: str, assumptions: Assumptions) -> str:
    """``Name|budget|share %|horizon|beta|r_max %|B_half``, e.g.:

    >>> encode_scenario("Retention push", Assumptions(budget=450000, retention_share=0.3, horizon_months=24,
    ...                                               beta=0.7, r_max=0.25, b_half=45000))
    'Retention push|450000|30|24|0.7|25|45000'

    ``assumptions`` must be resolved (budget and B_half given)."""
    if assumptions.budget is None or assumptions.b_half is None:
        raise ValueError("resolve the assumptions (budget and B_half) before encoding them")
    parts = [clean_name(name) or "Scenario", f"{assumptions.budget:.0f}",
             f"{round(assumptions.retention_share * 100, 2):g}", str(assumptions.horizon_months),
             f"{round(assumptions.beta, 4):g}", f"{round(assumptions.r_max * 100, 2):g}", f"{assumptions.b_half:.0f}"]
    return "|".join(parts)


def decode_scenario(text: str) -> Scenario:
    """The inverse of :func:`encode_scenario`; raises ValueError on anything malformed or out of range."""
    parts = text.split("|")
    if len(parts) != 7:
        raise ValueError(f"a scenario has 7 parts separated by '|', not {len(parts)}")
    name, budget, share, horizon, beta, r_max, b_half = parts
    name = clean_name(name)
    if not name:
        raise ValueError("a scenario needs a name")
    try:
        assumptions = Assumptions(budget=float(budget), retention_share=float(share) / 100,
                                  horizon_months=int(horizon), beta=float(beta), r_max=float(r_max) / 100,
                                  b_half=float(b_half))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scenario {name!r}: {exc}") from exc
    if not HORIZON_RANGE[0] <= assumptions.horizon_months <= HORIZON_RANGE[1]:
        raise ValueError(f"scenario {name!r}: horizon must be {HORIZON_RANGE[0]} to {HORIZON_RANGE[1]} months")
    return Scenario(name, assumptions)
