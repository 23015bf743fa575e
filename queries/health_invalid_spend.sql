-- Grain: one row per marketing_spend row whose spend is not valid money (first 5), with the total count in
-- `affected`. Parameters: $limit (double: 1e12). Not valid: NaN or infinite, negative, or $limit or more
-- (queries/validation.py MONEY_LIMIT). Reads marketing_spend_all: the marketing_spend view leaves these rows out.
with
bad as (
    select month, channel, spend
    from marketing_spend_all
    where spend is not null and (not isfinite(spend) or spend < 0 or spend >= $limit::double)
),
final as (
    select month, channel, cast(spend as varchar) as spend, count(*) over () as affected from bad
)
select * from final order by month nulls last, channel limit 5
