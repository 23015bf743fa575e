-- Grain: one row for the customers export: row count and signup date coverage. Parameters: none.
with
final as (
    select count(*) as rows, count(distinct customer_id) as distinct_keys,
           min(signup_date) as first_date, max(signup_date) as last_date
    from customers
)
select * from final
