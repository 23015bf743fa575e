-- Grain: one row per cohort period x activity period x segment x channel x region with activity.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null: the as-of date).
-- cohort: the period containing the customer's signup_date. period: the period of the transactions.
-- active_customers: distinct customers with at least one transaction of positive amount in the period
--   (additive across segment x channel x region, because each customer is in exactly one combination).
-- revenue: sum of amount (net of refunds) in the period.
-- known_margin: sum of gross_margin where the export gives it; revenue_without_margin: sum of amount where it
--   does not (the caller applies the margin % setting to it, so changing that setting runs no SQL).
-- Transactions dated before their customer's signup period, after $end, or of unknown customers are left
-- out (the Data health page counts them). The window's start is applied by the caller, at period level.
with
scoped_customers as (
    select customer_id, period_start(signup_date, $grain) as cohort, segment, acquisition_channel as channel,
           region
    from customers
    where $end::date is null or signup_date <= $end::date
),
customer_periods as (
    select
        c.cohort, period_start(t.transaction_date, $grain) as period, c.segment, c.channel, c.region,
        t.customer_id,
        sum(t.amount) as revenue,
        coalesce(sum(t.gross_margin), 0.0) as known_margin,
        coalesce(sum(t.amount) filter (where t.gross_margin is null), 0.0) as revenue_without_margin,
        max(t.amount) > 0 as is_active
    from transactions as t
    inner join scoped_customers as c on c.customer_id = t.customer_id
    where $end::date is null or t.transaction_date <= $end::date
    group by all
),
final as (
    select cohort, period, segment, channel, region,
           count(*) filter (where is_active) as active_customers,
           sum(revenue) as revenue,
           sum(known_margin) as known_margin,
           sum(revenue_without_margin) as revenue_without_margin
    from customer_periods
    where period >= cohort
    group by all
)
select * from final order by cohort, period, segment, channel, region
