-- Grain: one row for the leads export: row count, distinct leads, date coverage. Parameters: none.
with
final as (
    select count(*) as rows, count(distinct lead_id) as distinct_keys,
           min(created_date) as first_date, max(created_date) as last_date
    from leads
)
select * from final
