-- Grain: one row per customer: customer_id, customer_key, signup_date, signup_month_key (year * 12 + month - 1)
--   and combo (customer_groups), as rollup.sql's customer_index. Parameters: none. Portable SQL.
with
final as (
    select c.customer_id, c.customer_key, c.signup_date,
           cast(year(c.signup_date) * 12 + month(c.signup_date) - 1 as integer) as signup_month_key, g.combo
    from customers as c
    inner join customer_groups as g
        on g.segment = c.segment and g.channel = c.acquisition_channel and g.region = c.region
)
select * from final
