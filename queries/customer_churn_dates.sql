-- Grain: one row per customer who has churned as of $as_of under the definition (customers the survival fit
--   leaves out are not in it).
-- Parameters: $churn_definition ('combined'|'explicit'|'inactivity'), $inactivity_days (integer N), $as_of (date).
-- churned_on: the first churn (customer_churn in queries/rollup.sql, as the survival fit counts it);
-- returned_churn_on: under combined, the second churn of a customer who bought again after their churn_date (null
--   otherwise). The revenue movements (analytics/revenue_mix.py) call a lapse churned or paused with them.
select customer_key, churned_on, returned_churn_on
from customer_churn($churn_definition, $inactivity_days, $as_of, $data_as_of)
where left_out is null and churned_on is not null
