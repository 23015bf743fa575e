-- Grain: one row per activity period x acquisition year x segment x channel x region with transactions.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null: the window end).
-- acquisition_year: calendar year of the customer's signup_date (exact, also for weeks that straddle a new
--   year). revenue: sum of amount (net of refunds) in the period.
-- Same scope as cohort_activity, so that the years add up to its revenue: transactions dated before their
-- customer's signup period, after $end, or of unknown customers are left out; so are customers who signed up
-- after $end. The window's start is applied by the caller, at period level.
-- Months and quarters: from cohort_cells (the cohort's year is the signup year); weeks, whose cohort week can
-- start in the year before the signup: from the customer x week rows.
with
cells as (
    select period, cast(year(cohort) as integer) as acquisition_year, combo,
           cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue
    from cohort_cells($grain, $end, $data_as_of)
    where $grain <> 'week'
    group by all
    union all
    select period, cast(extract(year from signup_date) as integer) as acquisition_year, combo,
           cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue
    from customer_periods($grain, null, $end, $data_as_of)
    where $grain = 'week'
      and ($end::date is null or signup_date <= $end::date)
      and period >= period_start(signup_date, $grain)
    group by all
),
final as (
    select c.period, c.acquisition_year, g.segment, g.channel, g.region, c.revenue
    from cells as c
    inner join customer_groups as g on g.combo = c.combo
)
select * from final order by period, acquisition_year, segment, channel, region
