-- Grain: one row per calendar month of the calibration window x segment x channel x region with customers:
--   the budget model's calibration (active customers, new customers, revenue and gross margin by month).
-- Parameters: $churn_definition ('combined'|'explicit'|'inactivity'), $inactivity_days (integer N), $as_of (date),
--   $window_start, $window_end (first days of the first and last month of the window).
-- customers_in_base: customers who were customers (signed up, not yet churned) at some time in the month, from
--   their signup month to their (first) churn month, both included. Churn is customer_churn's (queries/rollup.sql),
--   as in survival_customers.sql, so that active here is "not churned" there. Customers the survival fit leaves
--   out (signed up after $as_of; a churn_date before signup_date under explicit and combined) are left out here
--   too.
-- new_customers: customers who signed up in the month (every one, as in cohort_sizes).
-- revenue, known_margin, revenue_without_margin (the caller applies the margin % setting), new_revenue (of
--   customers in their signup month): transactions in the month, with cohort_activity's scope (known customers,
--   not dated before the customer's signup month, up to $as_of).
-- Reads the customer x month rollup (queries/rollup.sql): only the window's months, plus each customer's last
-- positive day (customer_churn).
with
all_customers as (
    select customer_key, signup_date, segment, acquisition_channel as channel, region,
           year(signup_date) * 12 + month(signup_date) as first_month
    from customers
    where signup_date <= $as_of::date
),
lifetimes as (
    -- customer_churn (queries/rollup.sql): the churn definitions, exactly as the survival fit reads them.
    select
        c.segment, c.channel, c.region, c.first_month,
        year(k.churned_on) * 12 + month(k.churned_on) as last_month
    from all_customers as c
    inner join customer_churn($churn_definition, $inactivity_days, $as_of, $data_as_of) as k
        on k.customer_key = c.customer_key
    where k.left_out is null
),
window_months as (
    select cast(month as date) as month, year(month) * 12 + month(month) as month_index
    from generate_series($window_start::date, $window_end::date, interval 1 month) as g(month)
),
spans as (
    -- Customers with the same groups and months are counted once before the join to the months: a few
    -- thousand rows instead of one per customer.
    select segment, channel, region, first_month, last_month, count(*) as customers
    from lifetimes
    group by all
),
active as (
    select w.month, l.segment, l.channel, l.region, sum(l.customers) as customers_in_base
    from window_months as w
    inner join spans as l
        on l.first_month <= w.month_index and (l.last_month is null or l.last_month >= w.month_index)
    group by w.month, l.segment, l.channel, l.region
),
signups as (
    select w.month, c.segment, c.channel, c.region, count(*) as new_customers
    from all_customers as c
    inner join window_months as w on w.month_index = c.first_month
    group by w.month, c.segment, c.channel, c.region
),
sales_cells as (
    -- From the customer x month rollup (queries/rollup.sql): the window's months up to $as_of.
    select
        month, combo,
        cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue,
        cast(sum(cast(known_margin as decimal(38, 6))) as double) as known_margin,
        cast(sum(cast(revenue_without_margin as decimal(38, 6))) as double) as revenue_without_margin,
        coalesce(cast(sum(cast(revenue as decimal(38, 6)))
                      filter (where month = cast(date_trunc('month', signup_date) as date)) as double), 0.0)
            as new_revenue
    from customer_months_between($window_start, least($as_of::date, last_day($window_end::date)), $data_as_of)
    where signup_date <= $as_of::date and month >= cast(date_trunc('month', signup_date) as date)
    group by all
),
sales as (
    select s.month, g.segment, g.channel, g.region, s.revenue, s.known_margin, s.revenue_without_margin,
           s.new_revenue
    from sales_cells as s
    inner join customer_groups as g on g.combo = s.combo
),
combined as (
    -- Typed zeros: a bare 0.0 is a DECIMAL in DuckDB, and sums of integers are HUGEINT.
    select month, segment, channel, region, cast(customers_in_base as bigint) as customers_in_base,
           cast(0 as bigint) as new_customers, cast(0 as double) as revenue, cast(0 as double) as known_margin,
           cast(0 as double) as revenue_without_margin, cast(0 as double) as new_revenue
    from active
    union all
    select month, segment, channel, region, 0, new_customers, 0, 0, 0, 0
    from signups
    union all
    select month, segment, channel, region, 0, 0, cast(revenue as double), cast(known_margin as double),
           cast(revenue_without_margin as double), cast(new_revenue as double)
    from sales
),
final as (
    select month, segment, channel, region,
           cast(sum(customers_in_base) as bigint) as customers_in_base,
           cast(sum(new_customers) as bigint) as new_customers,
           cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue,
           cast(sum(cast(known_margin as decimal(38, 6))) as double) as known_margin,
           cast(sum(cast(revenue_without_margin as decimal(38, 6))) as double) as revenue_without_margin,
           cast(sum(cast(new_revenue as decimal(38, 6))) as double) as new_revenue
    from combined
    group by month, segment, channel, region
)
select * from final order by month, segment, channel, region
