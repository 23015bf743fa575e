-- Grain: one row per known customer x calendar month with dated transactions: rollup.sql's customer_months
--   (same columns and definitions; month_key = year * 12 + month - 1 added), built by queries/rollup_build.py.
-- Parameters: none. Portable SQL: integer month keys, sums of decimals cast back to double, a case inside the
--   aggregate rather than filter, the first positive value from row_number() rather than arg_min.
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
ranked as (
    select *,
           case when amount > 0 then row_number() over (
               partition by customer_key, month_key, amount > 0
               order by transaction_date asc, amount desc nulls last) end as positive_rank
    from dated
),
final as (
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
        max(case when positive_rank = 1 then amount end) as first_positive_value,
        cast(count(distinct case when amount > 0 then transaction_date end) as integer) as positive_days,
        min(case when amount > 0 then transaction_date end) as first_positive_date,
        coalesce(cast(sum(case when amount > 0 then cast(amount as decimal(38, 6)) end) as double), 0.0)
            as positive_spend
    from ranked
    group by customer_key, month_key, month
)
select * from final
