-- Grain: one row per customer_id that appears more than once in customers (first 5), with the total number
-- of such ids in `affected`. Parameters: none. Reads customers_all: the customers view keeps one row per id.
with
duplicated as (
    select customer_id, count(*) as copies
    from customers_all
    where customer_id is not null
    group by customer_id
    having count(*) > 1
),
final as (
    select customer_id, copies, count(*) over () as affected from duplicated
)
select * from final order by copies desc, customer_id limit 5
