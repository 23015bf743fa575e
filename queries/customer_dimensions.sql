-- Grain: one row per customer (the de-duplicated customers table).
-- Parameters: none.
-- customer_key: the integer key the rollup uses; segment, channel (acquisition_channel), region: the groups the
-- filters select.
select customer_key, segment, acquisition_channel as channel, region
from customers
