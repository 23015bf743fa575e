-- Grain: one row per transaction whose gross_margin is not valid money (first 5), with the total count in
-- `affected`. Parameters: $limit (double: 1e12). Not valid: NaN or infinite, or of size $limit or more
-- (queries/validation.py MONEY_LIMIT; a negative margin is a loss, valid). Reads transactions_all: the
-- transactions view keeps these rows with no gross_margin (null), so the margin % setting applies to them.
with
bad as (
    select customer_id, transaction_date, gross_margin
    from transactions_all
    where gross_margin is not null and (not isfinite(gross_margin) or abs(gross_margin) >= $limit::double)
),
final as (
    select customer_id, transaction_date, cast(gross_margin as varchar) as gross_margin, count(*) over () as affected
    from bad
)
select * from final order by transaction_date nulls last, customer_id limit 5
