-- Grain: one row per transaction whose amount is not a finite number (NaN, +infinity or -infinity; first 5), with
-- the total count in `affected`. Parameters: none. Reads transactions_all, every row as exported: the
-- transactions view, which every figure reads, leaves these rows out (queries/validation.py, finish_export).
-- amount is shown as text ('NaN', 'inf', '-inf') so that the examples say what was found.
with
bad as (
    select customer_id, transaction_date, amount
    from transactions_all
    where amount is not null and not isfinite(amount)
),
final as (
    select customer_id, transaction_date, cast(amount as varchar) as amount, count(*) over () as affected from bad
)
select * from final order by transaction_date nulls last, customer_id limit 5
