-- Grain: one row for the touchpoints export: row count, distinct customers touched, date coverage. Parameters: none.
with
final as (
    select count(*) as rows, count(distinct customer_id) as distinct_keys,
           min(touch_date) as first_date, max(touch_date) as last_date
    from touchpoints
)
select * from final
