-- Grain: one row per known customer with a purchase: the spend of their first purchase day.
-- Parameters: none.
-- first_purchase_spend: the sum of the positive amounts on the customer's first day with a positive amount.
-- The Gamma-Gamma model reads the spend of the repeat purchases only (the first one is left out, as in Fader,
-- Hardie & Lee 2005), i.e. clv_customers.spend - this. Not in the rollup: a sum over the rows of the first day
-- needs the first day first (a second pass over the transactions), which only the CLV pages pay for, once per
-- data version (the same for every calibration end: a customer's first purchase does not move).
with
firsts as (
    select customer_key, min(first_positive_date) as first_purchase
    from customer_months
    where positive
    group by customer_key
),
final as (
    select f.customer_key, cast(sum(cast(t.amount as decimal(38, 6))) as double) as first_purchase_spend
    from transactions as t
    inner join customer_index as c on c.customer_id = t.customer_id
    inner join firsts as f on f.customer_key = c.customer_key and f.first_purchase = t.transaction_date
    where t.amount > 0
    group by f.customer_key
)
select * from final
