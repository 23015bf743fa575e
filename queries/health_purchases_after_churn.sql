-- Grain: one row per purchase (positive amount) dated after its customer's recorded churn_date, the first 5 by
--   customer and date, each with the totals: affected (such purchases), customers (distinct customers).
-- Parameters: none. Such a purchase is a return: survival counts the first churn (the churn_date); the revenue
--   movements call the return reactivated.
with
after_churn as (
    select c.customer_id, c.churn_date, t.transaction_date, t.amount
    from transactions as t
    inner join customers as c on c.customer_id = t.customer_id
    where t.amount > 0 and c.churn_date is not null and t.transaction_date > c.churn_date
),
totals as (
    select count(*) as affected, count(distinct customer_id) as customers
    from after_churn
),
final as (
    select a.customer_id, a.churn_date, a.transaction_date, a.amount, t.affected, t.customers
    from after_churn as a
    cross join totals as t
)
select * from final order by customer_id, transaction_date limit 5
