-- Grain: one row per transaction whose customer_id is not in customers (first 5), with the total count of
-- such transactions in `affected`. Parameters: none.
with
orphans as (
    select t.customer_id, t.transaction_date, t.amount
    from transactions as t
    left join customers as c on c.customer_id = t.customer_id
    where c.customer_id is null and t.customer_id is not null
),
final as (
    select customer_id, transaction_date, amount, count(*) over () as affected from orphans
)
select * from final order by transaction_date, customer_id limit 5
