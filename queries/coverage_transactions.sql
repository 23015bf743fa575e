-- Grain: one row for the transactions export: row count, date coverage, total amount. Parameters: none.
with
final as (
    select count(*) as rows, count(distinct customer_id) as distinct_keys,
           min(transaction_date) as first_date, max(transaction_date) as last_date,
           cast(sum(cast(amount as decimal(38, 6))) as double) as total_amount
    from transactions
)
select * from final
