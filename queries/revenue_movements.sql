-- Grain: one row per period x segment x channel x region in which some customer's revenue moved.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null: the window end; later transactions and
--   signups are left out, as in cohort_activity). The last period is the one containing the earlier of $end
--   and the latest transaction date.
-- r(p): a customer's revenue in period p, the sum of amount (net of refunds); 0 in a period without
--   transactions. Same scope as cohort_activity: unknown customers and transactions dated before the
--   customer's signup period are left out. prev = r(p-1) (0 after a gap), cur = r(p):
--   new:          cur > 0 and no earlier period with r > 0                 -> cur
--   expansion:    prev > 0 and cur > prev                                  -> cur - prev
--   contraction:  prev > 0 and 0 < cur < prev                              -> cur - prev (negative)
--   churned:      prev > 0 and cur <= 0                                    -> -prev
--   reactivated:  prev <= 0, cur > 0 and an earlier period with r > 0      -> cur
--   net_refunds:  min(cur, 0) - min(prev, 0): the change in revenue of customer-periods whose refunds exceed
--                 their payments (the five movements above only see the positive part of revenue)
--   net_change:   cur - prev = the sum of the six movements; summed over customers, revenue(p) - revenue(p-1).
-- Only periods with transactions and the first period after each are visited (no customer x period grid):
-- every other period has cur = prev = 0 and moves nothing.
with
last_period as (
    select period_start(coalesce(least($end::date, $data_as_of::date), $data_as_of::date), $grain) as period
),
customer_revenue as (
    -- From the customer x month rollup (queries/rollup.sql), with each customer's combo of groups.
    select customer_key, combo, period, revenue
    from customer_periods($grain, null, $end, $data_as_of)
    where ($end::date is null or signup_date <= $end::date)
      and period >= period_start(signup_date, $grain)
),
stepped as (
    select customer_key, combo, period, revenue,
           cast(case $grain when 'week' then period + interval 7 day
                            when 'month' then period + interval 1 month
                            else period + interval 3 month end as date) as following_period
    from customer_revenue
),
sequenced as (
    select customer_key, combo, period, revenue, following_period,
           lag(following_period) over by_customer as after_previous,
           lag(revenue) over by_customer as previous_revenue,
           lead(period) over by_customer as next_period,
           coalesce(max(revenue) over (partition by customer_key order by period
                                       rows between unbounded preceding and 1 preceding) > 0, false) as paid_before
    from stepped
    window by_customer as (partition by customer_key order by period)
),
steps as (
    -- Periods with transactions: prev is the previous period's revenue, or 0 when there was a gap.
    select customer_key, combo, period,
           case when after_previous = period then previous_revenue else 0.0 end as prev,
           revenue as cur, paid_before
    from sequenced
    union all
    -- The first period without transactions after one with them: cur = 0.
    select customer_key, combo, following_period as period, revenue as prev, 0.0 as cur, true as paid_before
    from sequenced
    where (next_period is null or next_period > following_period)
      and following_period <= (select period from last_period)
      and revenue <> 0
),
classified as (
    select s.period, s.combo,
           case when s.cur > 0 and not s.paid_before then s.cur else 0.0 end as new,
           case when s.prev > 0 and s.cur > s.prev then s.cur - s.prev else 0.0 end as expansion,
           case when s.prev > 0 and s.cur > 0 and s.cur < s.prev then s.cur - s.prev else 0.0 end as contraction,
           case when s.prev > 0 and s.cur <= 0 then -s.prev else 0.0 end as churned,
           case when s.cur > 0 and s.prev <= 0 and s.paid_before then s.cur else 0.0 end as reactivated,
           least(s.cur, 0.0) - least(s.prev, 0.0) as net_refunds,
           s.cur - s.prev as net_change
    from steps as s
),
cells as (
    select period, combo,
           sum(new) as new, sum(expansion) as expansion, sum(contraction) as contraction,
           sum(churned) as churned, sum(reactivated) as reactivated, sum(net_refunds) as net_refunds,
           sum(net_change) as net_change
    from classified
    group by period, combo
),
final as (
    select c.period, g.segment, g.channel, g.region, c.new, c.expansion, c.contraction, c.churned, c.reactivated,
           c.net_refunds, c.net_change
    from cells as c
    inner join customer_groups as g on g.combo = c.combo
)
select * from final order by period, segment, channel, region
