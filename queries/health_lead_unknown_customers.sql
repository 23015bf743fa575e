-- Grain: one row per lead whose customer_id is set but not in customers (first 5 by created_date, lead_id), with
-- the total count in `affected`. Parameters: none. Such a lead still counts as converted (its customer_id says
-- so); the customers export may lack the customer.
with
orphans as (
    select l.lead_id, l.created_date, l.customer_id
    from leads as l
    left join customers as c on c.customer_id = l.customer_id
    where l.customer_id is not null and c.customer_id is null
),
final as (
    select lead_id, created_date, customer_id, count(*) over () as affected from orphans
)
select * from final order by created_date nulls last, lead_id limit 5
