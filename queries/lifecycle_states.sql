-- Grain: one row per period (week / month / quarter) x lifecycle state x segment x channel x region with any
--   customer in that state (the caller keeps the selected segments / channels / regions and sums: each customer
--   is in exactly one combination, so the counts are additive across them).
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null: open; transactions after it are ignored).
-- A customer is active in a period with at least one transaction of positive amount in it (customer_periods'
--   `positive`). Each active customer-period is exactly one of:
--   new: the customer's first active period ever (their first purchase; may be later than their signup period);
--   returning: active in the previous period too;
--   resurrected: not active in the previous period, but active in some earlier one.
--   dormant (counted in period p): active in the period before p, not active in p. Emitted for every such p,
--   including periods after the as-of date: the caller drops those.
-- Periods are whole calendar periods of the grain: the period after p starts at period_start(p + 31 days) for
--   months (92 for quarters, 7 for weeks), the one before at period_start(p - 1 day).
-- Transactions of unknown customers are left out (the Data health page counts them). Reads the rollup
--   (queries/rollup.sql) through customer_periods, from the first transaction (the window's start is applied by
--   the caller, so that "new" means new ever, not new to the window).
with
active as (
    select customer_key, combo, period
    from customer_periods($grain, null, $end, $data_as_of)
    where positive
),
sequenced as (
    select customer_key, combo, period,
           lag(period) over (partition by customer_key order by period) as previous_active,
           lead(period) over (partition by customer_key order by period) as next_active,
           period_start(cast(period as date) - 1, $grain) as previous_period,
           period_start(cast(period as date)
                        + case when $grain = 'week' then 7 when $grain = 'month' then 31 else 92 end,
                        $grain) as next_period
    from active
),
states as (
    select period, combo,
           case
               when previous_active is null then 'new'
               when previous_active = previous_period then 'returning'
               else 'resurrected'
           end as state
    from sequenced
    union all
    select next_period as period, combo, 'dormant' as state
    from sequenced
    where next_active is null or next_active <> next_period
),
counted as (
    select period, combo, state, count(*) as customers
    from states
    group by period, combo, state
),
final as (
    select c.period, c.state, g.segment, g.channel, g.region, cast(c.customers as bigint) as customers
    from counted as c
    inner join customer_groups as g on g.combo = c.combo
)
select * from final order by period, state, segment, channel, region
