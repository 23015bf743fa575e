-- Grain: one row per transaction whose amount is finite but implausibly large (first 5, largest first), with the
-- total count in `affected`. Parameters: $bound (double: 1,000 x the 99.9th percentile of |amount|, at most 1e12;
-- queries/runner.py). Reads transactions_all: the transactions view leaves these rows out
-- (queries/validation.py, finish_export). Dated after the as-of date or not, each row is counted here.
with
bad as (
    select customer_id, transaction_date, amount
    from transactions_all
    where isfinite(amount) and abs(amount) >= $bound::double
),
final as (
    select customer_id, transaction_date, amount, count(*) over () as affected from bad
)
select * from final order by abs(amount) desc, transaction_date nulls last, customer_id limit 5
