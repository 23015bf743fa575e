-- Grain: one row per segment x channel x region combination of the customers, numbered (combo) in that order, as
--   rollup.sql's customer_groups. Parameters: none. Portable SQL (queries/rollup_build.py).
with
combinations as (
    select distinct segment, acquisition_channel as channel, region from customers
),
final as (
    select cast(row_number() over (order by segment, channel, region) as integer) as combo, segment, channel, region
    from combinations
)
select * from final
