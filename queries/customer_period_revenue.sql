-- Grain: one row per known customer x period (week / month / quarter) with transactions, in no particular
--   order: the input of the revenue movements (analytics/revenue_mix.py), which follow each customer from
--   period to period.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null: the window end).
-- period_index: the period as a whole number, consecutive periods differing by 1 (month: year * 12 + month;
-- quarter: year * 4 + quarter; week: weeks since Monday 1970-01-05); revenue: sum of amount (net of refunds) in
-- the period; combo: the customer's segment x channel x region (names in customer_groups); signup_index: the
-- period of the customer's signup_date, numbered as period_index. Same scope as
-- cohort_activity: unknown customers, transactions dated after $end or before the customer's signup period, and
-- customers who signed up after $end are left out. Read from the customer x month rollup (queries/rollup.sql).
select
    customer_key, combo,
    case $grain
        when 'month' then year(period) * 12 + month(period)
        when 'quarter' then year(period) * 4 + quarter(period)
        else date_diff('day', date '1970-01-05', period) // 7
    end as period_index,
    revenue,
    case $grain
        when 'month' then year(signup_date) * 12 + month(signup_date)
        when 'quarter' then year(signup_date) * 4 + quarter(signup_date)
        else date_diff('day', date '1970-01-05', signup_date) // 7
    end as signup_index
from customer_periods($grain, null, $end, $data_as_of)
where ($end::date is null or signup_date <= $end::date)
  and period >= period_start(signup_date, $grain)
