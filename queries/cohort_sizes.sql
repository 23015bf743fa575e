-- Grain: one row per cohort period x segment x channel x region.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null).
-- cohort_size: customers who signed up in the cohort period (whether or not they ever bought).
-- last_active: one count per period of each customer's last active period (positive amount), so that
--   "active in period k or later" is a suffix sum; customers never active have no last_active row.
-- Reads the customer x month rollup (queries/rollup.sql): the last positive day of each customer, whatever the
-- grain, so no regrouping by period is needed.
with
scoped_customers as (
    select customer_key, period_start(signup_date, $grain) as cohort, segment, acquisition_channel as channel,
           region
    from customers
    where $end::date is null or signup_date <= $end::date
),
final as (
    select c.cohort, c.segment, c.channel, c.region, period_start(a.last_positive_date, $grain) as last_active,
           count(*) as customers
    from scoped_customers as c
    left join customer_activity_until($end, $data_as_of) as a on a.customer_key = c.customer_key
    group by all
)
select * from final order by cohort, segment, channel, region, last_active nulls first
