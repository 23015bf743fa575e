-- Grain: one row: the money the CLV's margin rate is computed from, over the purchases up to $calibration_end.
-- Parameters: $calibration_end (date).
-- revenue: sum of amount; known_margin: sum of gross_margin where given; revenue_without_margin: sum of amount
--   where gross_margin is not given (the Value page's margin setting applies to it).
select cast(sum(cast(revenue as decimal(38, 6))) as double) as revenue,
       cast(sum(cast(known_margin as decimal(38, 6))) as double) as known_margin,
       cast(sum(cast(revenue_without_margin as decimal(38, 6))) as double) as revenue_without_margin
from customer_months_between(null, $calibration_end, $data_as_of)
