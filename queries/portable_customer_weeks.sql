-- Grain: one row per known customer x week (Monday to Sunday) with dated transactions: week (its Monday),
--   signup_date, combo, revenue, known_margin, revenue_without_margin, transactions, positive, as rollup.sql's
--   customer_periods gives them for the week grain (weeks straddle months, so customer_months cannot answer
--   them). Parameters: none. Portable SQL: the Monday is the date minus its days since a known Monday
--   (1970-01-05), modulo 7 (kept non-negative), rather than date_trunc('week'), whose spelling and result type differ by engine.
with
dated as (
    select c.customer_key, c.signup_date, c.combo, t.transaction_date, t.amount, t.gross_margin,
           t.transaction_date - cast(((date_diff('day', cast('1970-01-05' as date), t.transaction_date) % 7) + 7) % 7
                                     as integer) as week
    from transactions as t
    inner join customer_index as c on c.customer_id = t.customer_id
    where t.transaction_date is not null
),
final as (
    select
        customer_key,
        week,
        min(signup_date) as signup_date,
        min(combo) as combo,
        cast(sum(cast(amount as decimal(38, 6))) as double) as revenue,
        coalesce(cast(sum(cast(gross_margin as decimal(38, 6))) as double), 0.0) as known_margin,
        coalesce(cast(sum(case when gross_margin is null then cast(amount as decimal(38, 6)) end) as double), 0.0)
            as revenue_without_margin,
        cast(count(*) as bigint) as transactions,
        max(amount) > 0 as positive
    from dated
    group by customer_key, week
)
select * from final
