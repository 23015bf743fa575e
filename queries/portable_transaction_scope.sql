-- Grain: one row: the latest transaction date up to $today and the 99.9th percentile of |amount| (the bound of
--   plausible amounts: queries/runner.py and queries/validation.py), over every row of raw_transactions.
-- Parameters: $today (date). Portable SQL (queries/rollup_build.py runs it on DuckDB and, transpiled, on Spark):
--   p999 is the discrete percentile by hand (the value at position ceil(0.999 * n) of the sorted sizes: DuckDB's
--   quantile_disc), because sqlglot turns percentile_disc into Spark's approximate PERCENTILE_APPROX; finite as x - x = 0
--   (queries/portable_transactions.sql); a case
--   inside the aggregate rather than filter.
with
normalised as (
    select cast(transaction_date as date) as transaction_date, cast(amount as double) as amount
    from raw_transactions
),
sizes as (
    select abs(amount) as size, row_number() over (order by abs(amount) asc nulls last) as position,
           count(*) over () as counted
    from normalised
    where amount - amount = 0 and abs(amount) < 1e12
),
final as (
    select
        (select max(transaction_date) from normalised where transaction_date <= $today) as latest_date,
        (select max(size) from sizes where position = ceil(0.999 * counted)) as p999
)
select * from final
