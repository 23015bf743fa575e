-- Grain: one row per customer with at least one transaction in the trailing 12 months (T12M), before the
--   segment / channel / region filter (applied, with the Lorenz curve and the Gini, in analytics/revenue_mix.py).
-- Parameters: $grain ('week'|'month'|'quarter'), $as_of (date: the earlier of the window end and the latest
--   transaction date), $end (date or null: the window end, scoping customers as in cohort_activity).
-- T12M: transactions dated after $as_of minus 12 months and on or before $as_of. Same scope as
--   cohort_activity: unknown customers and transactions dated before the customer's signup period are left out.
-- revenue: the customer's net T12M revenue, 0 when at or below 0 (refunds only). customer_key breaks ties in
-- the Lorenz order; combo: the customer's segment x channel x region (names in customer_groups). From the
-- customer x month rollup (queries/rollup.sql): the window's whole months, plus the days of the month it
-- starts in the middle of.
select customer_key, combo, greatest(cast(sum(cast(revenue as decimal(38, 6))) as double), 0.0) as revenue
from customer_periods($grain, cast($as_of::date - interval 12 month as date) + 1, $as_of, $data_as_of)
where ($end::date is null or signup_date <= $end::date)
  and period >= period_start(signup_date, $grain)
group by customer_key, combo
