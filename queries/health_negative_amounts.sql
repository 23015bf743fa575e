-- Grain: one row per transaction with a negative amount (a refund; first 5, largest first), with the total
-- count in `affected` and their sum in `refunded`. Parameters: none.
-- The first 5 all have an amount at or below the fifth most negative one (`threshold`): found in the same
-- pass as the totals, it lets DuckDB skip the other rows while reading, instead of decoding every refund's
-- customer_id and date (0.6 s -> 0.3 s at 10M transactions).
with
refund_totals as (
    select count(*) as affected, cast(sum(cast(amount as decimal(38, 6))) as double) as refunded,
           list_max(min_by(amount, amount, 5)) as threshold
    from transactions
    where amount < 0
),
refunds as (
    select customer_id, transaction_date, amount
    from transactions
    where amount <= (select threshold from refund_totals)
),
final as (
    select r.customer_id, r.transaction_date, r.amount, t.affected, t.refunded
    from refunds as r
    cross join refund_totals as t
)
select * from final order by amount, transaction_date, customer_id limit 5
