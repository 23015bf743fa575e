-- Grain: one row per transaction of the given unknown customers (first 5 by transaction_date, customer_id).
-- Parameters: $customer_ids (list of text: unknown_customer_ids from health_customer_links, the ids whose
-- transactions come first; health_customer_links also counts all unknown-customer transactions).
-- Definition: a transaction belongs to an unknown customer when its customer_id is not null and not in
-- customers; the given ids are checked against customers again, so the query keeps to it whatever it gets.
with
given as (
    select unnest($customer_ids) as customer_id
),
unknown as (
    select g.customer_id
    from given as g
    left join customers as c on c.customer_id = g.customer_id
    where c.customer_id is null and g.customer_id is not null
),
orphans as (
    select t.customer_id, t.transaction_date, t.amount
    from transactions as t
    inner join unknown as u on u.customer_id = t.customer_id
),
final as (
    select customer_id, transaction_date, amount from orphans
)
select * from final order by transaction_date, customer_id limit 5
