-- Grain: one row per transaction with a negative amount (a refund; first 5, largest first), with the total
-- count in `affected` and their sum in `refunded`. Parameters: none.
with
refunds as (
    select customer_id, transaction_date, amount from transactions where amount < 0
),
final as (
    select customer_id, transaction_date, amount, count(*) over () as affected, sum(amount) over () as refunded
    from refunds
)
select * from final order by amount, transaction_date, customer_id limit 5
