-- Grain: one row: how many customer rows of the export carry a churn_date (any filter ignored).
-- Parameters: none. Decides the default churn definition: explicit where the export has any churn dates.
-- Reads customers_all (every row, duplicates included): cheaper than the deduplicated view, same answer
-- to "are there any".
with
final as (
    select count(churn_date) as churn_dates from customers_all
)
select * from final
