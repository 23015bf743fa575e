-- Grain: one row per transaction dated before its customer's signup_date (first 5), with the total count in
-- `affected`. Parameters: none.
with
early as (
    select t.customer_id, c.signup_date, t.transaction_date, t.amount
    from transactions as t
    inner join customers as c on c.customer_id = t.customer_id
    where t.transaction_date < c.signup_date
),
final as (
    select customer_id, signup_date, transaction_date, amount, count(*) over () as affected from early
)
select * from final order by transaction_date, customer_id limit 5
