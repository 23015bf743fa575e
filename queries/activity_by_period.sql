-- Grain: one row per period (week / month / quarter) with signups or transactions in the window.
-- Parameters: $grain ('week'|'month'|'quarter'), $start, $end (dates or null: open), $segments, $channels,
--   $regions (text lists; empty = all).
-- new_customers: customers whose signup_date falls in the period.
-- active_customers: distinct customers with at least one transaction of positive amount in the period.
-- revenue: sum of amount (refunds included, so it is net revenue).
with
scoped_customers as (
    select customer_id, signup_date
    from customers
    where in_scope(segment, $segments::varchar[])
      and in_scope(acquisition_channel, $channels::varchar[])
      and in_scope(region, $regions::varchar[])
),
scoped_transactions as (
    select t.customer_id, t.transaction_date, t.amount
    from transactions as t
    inner join scoped_customers as c on c.customer_id = t.customer_id
    where ($start::date is null or t.transaction_date >= $start::date)
      and ($end::date is null or t.transaction_date <= $end::date)
),
signups as (
    select period_start(signup_date, $grain) as period, count(*) as new_customers
    from scoped_customers
    where ($start::date is null or signup_date >= $start::date)
      and ($end::date is null or signup_date <= $end::date)
    group by 1
),
activity as (
    select
        period_start(transaction_date, $grain) as period,
        count(distinct case when amount > 0 then customer_id end) as active_customers,
        sum(amount) as revenue,
        count(*) as transactions
    from scoped_transactions
    group by 1
),
final as (
    select
        coalesce(a.period, s.period) as period,
        coalesce(s.new_customers, 0) as new_customers,
        coalesce(a.active_customers, 0) as active_customers,
        coalesce(a.revenue, 0.0) as revenue,
        coalesce(a.transactions, 0) as transactions
    from activity as a
    full outer join signups as s on s.period = a.period
)
select * from final order by period
