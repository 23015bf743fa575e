-- Grain: one row per point of the Lorenz curve of customers' trailing-12-month (T12M) revenue: every
--   customer when there are 100 or fewer, else the first customer reaching each whole percent (~100 rows);
--   the summary (customers, total_revenue, top_20_share, gini, ...) is repeated on every row.
-- Parameters: $grain ('week'|'month'|'quarter'), $as_of (date: the earlier of the window end and the latest
--   transaction date), $end (date or null: the window end, scoping customers as in cohort_activity), $segments,
--   $channels, $regions (text lists; empty = all).
-- T12M: transactions dated after $as_of minus 12 months and on or before $as_of. Same scope as
--   cohort_activity: unknown customers and transactions dated before the customer's signup period are left out.
-- Customers: in-scope customers with at least one transaction in T12M. Net T12M revenue at or below 0 (refunds
--   only) counts as 0: those customers are in the customer count, with no revenue (zero_revenue_customers).
-- customers_below / customer_share, revenue_share: the Lorenz curve, customers sorted by T12M revenue
--   ascending (standard Lorenz): the customer_share of customers with the least revenue brought revenue_share.
-- top_20_share: share of T12M revenue from the 20% of customers with the most (a customer straddling the
--   boundary counts in proportion, so it equals 1 - Lorenz(0.8)).
-- gini: 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n, x ascending, i = 1..n (= 1 - 2 * area under the curve).
with
customer_revenue as (
    -- From the customer x month rollup (queries/rollup.sql): the T12M window's whole months, plus the days of
    -- the month it starts in the middle of.
    select customer_key, greatest(sum(revenue), 0.0) as revenue
    from customer_periods($grain, cast($as_of::date - interval 12 month as date) + 1, $as_of, $data_as_of)
    where ($end::date is null or signup_date <= $end::date)
      and period >= period_start(signup_date, $grain)
      and combo in (
          select combo from customer_groups
          where in_scope(segment, $segments::varchar[])
            and in_scope(channel, $channels::varchar[])
            and in_scope(region, $regions::varchar[]))
    group by customer_key
),
ranked as (
    -- customer_key breaks ties so that the running sums do not depend on the order of the input rows.
    select revenue,
           row_number() over by_revenue as customers_below,
           count(*) over () as customers,
           sum(revenue) over () as total_revenue,
           sum(revenue) over (by_revenue rows between unbounded preceding and current row) as cumulative_revenue
    from customer_revenue
    window by_revenue as (order by revenue, customer_key)
),
summary as (
    select
        count(*) filter (where revenue = 0) as zero_revenue_customers,
        sum(revenue * greatest(0.0, least(1.0, 0.2 * customers - (customers - customers_below))))
            / nullif(max(total_revenue), 0) as top_20_share,
        2.0 * sum(customers_below * revenue) / nullif(max(customers) * max(total_revenue), 0)
            - (max(customers) + 1.0) / max(customers) as gini
    from ranked
),
final as (
    select r.customers_below,
           r.customers_below / r.customers as customer_share,
           r.cumulative_revenue / nullif(r.total_revenue, 0) as revenue_share,
           r.customers, s.zero_revenue_customers, r.total_revenue, s.top_20_share, s.gini
    from ranked as r
    cross join summary as s
    where floor(r.customers_below * 100.0 / r.customers) > floor((r.customers_below - 1) * 100.0 / r.customers)
       or r.customers_below = r.customers
)
select * from final order by customers_below
