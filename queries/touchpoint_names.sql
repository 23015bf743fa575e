-- Grain: one row per touchpoint name of the touchpoints export, with its number of touches, most frequent first.
-- Parameters: none.
with
final as (
    select touchpoint, count(*) as touches
    from touchpoints
    where touchpoint is not null and trim(touchpoint) <> ''
    group by touchpoint
)
select touchpoint, cast(touches as bigint) as touches from final order by touches desc, touchpoint
