-- Grain: one row per cohort period x segment x channel x region.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null).
-- cohort_size: customers who signed up in the cohort period (whether or not they ever bought).
-- last_active: one count per period of each customer's last active period (positive amount), so that
--   "active in period k or later" is a suffix sum; customers never active have no last_active row.
with
scoped_customers as (
    select customer_id, period_start(signup_date, $grain) as cohort, segment, acquisition_channel as channel,
           region
    from customers
    where $end::date is null or signup_date <= $end::date
),
last_activity as (
    select t.customer_id, max(period_start(t.transaction_date, $grain)) as last_active
    from transactions as t
    inner join scoped_customers as c on c.customer_id = t.customer_id
    where t.amount > 0 and ($end::date is null or t.transaction_date <= $end::date)
    group by t.customer_id
),
final as (
    select c.cohort, c.segment, c.channel, c.region, l.last_active, count(*) as customers
    from scoped_customers as c
    left join last_activity as l on l.customer_id = c.customer_id
    group by all
)
select * from final order by cohort, segment, channel, region, last_active nulls first
