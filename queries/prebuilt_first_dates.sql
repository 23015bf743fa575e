-- Grain: one row: first_dates.sql from a prebuilt rollup (queries/prebuilt.py): the earliest transaction date (of
--   the transactions the figures use, counted by the build: queries/portable_health_counts.sql) and the earliest
--   signup date of the de-duplicated customers.
-- Parameters: none.
select
    (select first_date from prebuilt_health_counts) as first_transaction,
    (select min(signup_date) from customers) as first_signup
