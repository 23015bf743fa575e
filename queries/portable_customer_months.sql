-- Grain: one row per known customer x calendar month with dated transactions: rollup.sql's customer_months
--   (same columns and definitions; month_key = year * 12 + month - 1 added), built by queries/rollup_build.py.
-- Parameters: none. Portable SQL: integer month keys, sums of decimals cast back to double, a case inside the
--   aggregate rather than filter, the first positive value as the largest amount on the first positive day (a join)
--   rather than arg_min (a window per customer x month cost 16 s at 1M transactions on DuckDB).
--   first_positive_value: the amount of the month's first positive transaction (on a day with several, the
--   largest); positive_days: distinct days with a positive amount; the others as in rollup.sql.
with
dated as (
    select c.customer_key, c.signup_date, c.combo, t.transaction_date, t.amount, t.gross_margin,
           cast(year(t.transaction_date) * 12 + month(t.transaction_date) - 1 as integer) as month_key,
           make_date(year(t.transaction_date), month(t.transaction_date), 1) as month
    from transactions as t
    inner join customer_index as c on c.customer_id = t.customer_id
    where t.transaction_date is not null
),
first_days as (
    select customer_key, month_key, min(transaction_date) as first_day
    from dated
    where amount > 0
    group by customer_key, month_key
),
first_values as (
    select d.customer_key, d.month_key, max(d.amount) as first_positive_value
    from dated as d
    inner join first_days as f
        on f.customer_key = d.customer_key and f.month_key = d.month_key and f.first_day = d.transaction_date
    where d.amount > 0
    group by d.customer_key, d.month_key
),
months as (
    select
        customer_key,
        month_key,
        month,
        min(signup_date) as signup_date,
        min(combo) as combo,
        cast(sum(cast(amount as decimal(38, 6))) as double) as revenue,
        coalesce(cast(sum(cast(gross_margin as decimal(38, 6))) as double), 0.0) as known_margin,
        coalesce(cast(sum(case when gross_margin is null then cast(amount as decimal(38, 6)) end) as double), 0.0)
            as revenue_without_margin,
        cast(count(*) as bigint) as transactions,
        max(amount) > 0 as positive,
        max(case when amount > 0 then transaction_date end) as last_positive_date,
        cast(count(distinct case when amount > 0 then transaction_date end) as integer) as positive_days,
        min(case when amount > 0 then transaction_date end) as first_positive_date,
        coalesce(cast(sum(case when amount > 0 then cast(amount as decimal(38, 6)) end) as double), 0.0)
            as positive_spend
    from dated
    group by customer_key, month_key, month
),
final as (
    select m.customer_key, m.month_key, m.month, m.signup_date, m.combo, m.revenue, m.known_margin,
           m.revenue_without_margin, m.transactions, m.positive, m.last_positive_date, v.first_positive_value,
           m.positive_days, m.first_positive_date, m.positive_spend
    from months as m
    left join first_values as v on v.customer_key = m.customer_key and v.month_key = m.month_key
)
select * from final
