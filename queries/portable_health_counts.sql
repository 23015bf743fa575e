-- Grain: one row: the Data health counts over every row of raw_transactions that the prebuilt rollup leaves out
--   or cannot place. Parameters: $as_of (date), $amount_bound (double). Portable SQL (queries/rollup_build.py).
--   rows (all), undated (null transaction_date), null_customer (null customer_id), null_amount, after_as_of (dated
--   after $as_of), implausible_amount (not finite, or |amount| not below $amount_bound), unknown_customer (a
--   customer_id not in the customers), refunds (negative amounts), as bigint; and of the transactions the figures
--   use (the table transactions: queries/portable_transactions.sql) what data_coverage.csv shows: kept_rows,
--   distinct_customers (distinct non-null customer_id), first_date and last_date (of transaction_date).
with
normalised as (
    select cast(customer_id as varchar) as customer_id, cast(transaction_date as date) as transaction_date,
           cast(amount as double) as amount
    from raw_transactions
),
kept as (
    select cast(count(*) as bigint) as kept_rows, cast(count(distinct customer_id) as bigint) as distinct_customers,
           min(transaction_date) as first_date, max(transaction_date) as last_date
    from transactions
),
counted as (
    select
        cast(count(*) as bigint) as rows,
        cast(sum(case when n.transaction_date is null then 1 else 0 end) as bigint) as undated,
        cast(sum(case when n.customer_id is null then 1 else 0 end) as bigint) as null_customer,
        cast(sum(case when n.amount is null then 1 else 0 end) as bigint) as null_amount,
        cast(sum(case when n.transaction_date > $as_of then 1 else 0 end) as bigint) as after_as_of,
        cast(sum(case when n.amount is not null and not (n.amount - n.amount = 0 and abs(n.amount) < $amount_bound)
                      then 1 else 0 end)
             as bigint) as implausible_amount,
        cast(sum(case when n.customer_id is not null and c.customer_id is null then 1 else 0 end) as bigint)
            as unknown_customer,
        cast(sum(case when n.amount < 0 then 1 else 0 end) as bigint) as refunds
    from normalised as n
    left join customers as c on c.customer_id = n.customer_id
),
final as (
    select n.rows, n.undated, n.null_customer, n.null_amount, n.after_as_of, n.implausible_amount, n.unknown_customer,
           n.refunds, k.kept_rows, k.distinct_customers, k.first_date, k.last_date
    from counted as n
    cross join kept as k
)
select * from final
