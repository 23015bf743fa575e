-- Grain: one row: what the as-of date and the plausibility bound of amounts are drawn from, over every row of the
--   transactions export as exported (transactions_all: before anything is left out). Parameters: none.
--   latest_date: the latest transaction date (queries/runner.py takes the latest one not after today when this
--     one is later);
--   p999: the 99.9th percentile of |amount| over the finite amounts below 1e12 (an amount of 1,000 times it or
--     more is implausible: left out of every figure and flagged on the Data health page). An exact quantile, so
--     the bound, and every figure, is the same on every run.
with
final as (
    select
        max(transaction_date) as latest_date,
        quantile_disc(abs(amount), 0.999) filter (where isfinite(amount) and abs(amount) < 1e12) as p999
    from transactions_all
)
select * from final
