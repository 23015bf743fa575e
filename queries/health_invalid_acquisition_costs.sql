-- Grain: one row per customers row whose acquisition_cost is not valid money (first 5), with the total count in
-- `affected`. Parameters: $limit (double: 1e12). Not valid: NaN or infinite, negative, or $limit or more
-- (queries/validation.py MONEY_LIMIT). Reads customers_all: the customers view keeps these customers with no
-- acquisition_cost (null), so they count as customers but not in CAC.
with
bad as (
    select customer_id, signup_date, acquisition_cost
    from customers_all
    where acquisition_cost is not null
      and (not isfinite(acquisition_cost) or acquisition_cost < 0 or acquisition_cost >= $limit::double)
),
final as (
    select customer_id, signup_date, cast(acquisition_cost as varchar) as acquisition_cost,
           count(*) over () as affected
    from bad
)
select * from final order by signup_date nulls last, customer_id limit 5
