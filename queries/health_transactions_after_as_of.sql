-- Grain: one row per transaction dated after the as-of date (first 5, latest first), with the total count in
-- `affected`. Parameters: $as_of (date: the latest transaction date not after today, or the as-of date asked
-- for). Reads transactions_all: the transactions view leaves these rows out (queries/validation.py).
with
late as (
    select customer_id, transaction_date, amount
    from transactions_all
    where transaction_date > $as_of::date
),
final as (
    select customer_id, transaction_date, cast(amount as varchar) as amount, count(*) over () as affected from late
)
select * from final order by transaction_date desc, customer_id limit 5
