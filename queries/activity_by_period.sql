-- Grain: one row per period (week / month / quarter) x segment x channel x region with signups or transactions
--   in the window (the caller keeps the selected segments / channels / regions and sums: every count is
--   additive across them, because each customer is in exactly one combination).
-- Parameters: $grain ('week'|'month'|'quarter'), $start, $end (dates or null: open).
-- new_customers: customers whose signup_date falls in the period.
-- active_customers: distinct customers with at least one transaction of positive amount in the period.
-- revenue: sum of amount (refunds included, so it is net revenue); transactions: number of transactions.
-- Transactions of unknown customers are left out (the Data health page counts them). Reads the customer x
-- month rollup (queries/rollup.sql) through customer_periods.
with
signups as (
    select period_start(signup_date, $grain) as period, segment, acquisition_channel as channel, region,
           count(*) as new_customers
    from customers
    where ($start::date is null or signup_date >= $start::date)
      and ($end::date is null or signup_date <= $end::date)
    group by all
),
cells as (
    select period, combo,
           count(*) filter (where positive) as active_customers,
           cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue,
           sum(transactions) as transactions
    from customer_periods($grain, $start, $end, $data_as_of)
    group by all
),
activity as (
    select c.period, g.segment, g.channel, g.region, c.active_customers, c.revenue, c.transactions
    from cells as c
    inner join customer_groups as g on g.combo = c.combo
),
final as (
    select
        coalesce(a.period, s.period) as period,
        coalesce(a.segment, s.segment) as segment,
        coalesce(a.channel, s.channel) as channel,
        coalesce(a.region, s.region) as region,
        coalesce(s.new_customers, 0) as new_customers,
        coalesce(a.active_customers, 0) as active_customers,
        coalesce(a.revenue, 0.0) as revenue,
        cast(coalesce(a.transactions, 0) as bigint) as transactions
    from activity as a
    full outer join signups as s
        on s.period = a.period and s.segment = a.segment and s.channel = a.channel and s.region = a.region
)
select * from final order by period, segment, channel, region
