-- Grain: one row per cohort period x activity period x segment x channel x region with activity.
-- Parameters: $grain ('week'|'month'|'quarter'), $end (date or null: the as-of date).
-- cohort: the period containing the customer's signup_date. period: the period of the transactions.
-- active_customers: distinct customers with at least one transaction of positive amount in the period
--   (additive across segment x channel x region, because each customer is in exactly one combination).
-- revenue: sum of amount (net of refunds) in the period.
-- known_margin: sum of gross_margin where the export gives it; revenue_without_margin: sum of amount where it
--   does not (the caller applies the margin % setting to it, so changing that setting runs no SQL).
-- Transactions dated before their customer's signup period, after $end, or of unknown customers are left
-- out (the Data health page counts them). The window's start is applied by the caller, at period level.
-- Reads the rollup (queries/rollup.sql) through cohort_cells: the monthly cohort cube, or the customer x
-- period rows for other grains and windows.
with
cells as (
    select * from cohort_cells($grain, $end, $data_as_of)
),
final as (
    select c.cohort, c.period, g.segment, g.channel, g.region, c.active_customers, c.revenue, c.known_margin,
           c.revenue_without_margin
    from cells as c
    inner join customer_groups as g on g.combo = c.combo
)
select * from final order by cohort, period, segment, channel, region
