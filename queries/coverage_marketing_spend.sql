-- Grain: one row for the marketing_spend export: row count, month coverage, total spend. Parameters: none.
with
final as (
    select count(*) as rows, count(distinct channel) as distinct_keys,
           min(month) as first_date, max(month) as last_date,
           cast(sum(cast(spend as decimal(38, 6))) as double) as total_amount
    from marketing_spend
)
select * from final
