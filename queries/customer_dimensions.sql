-- Grain: one row per customer (the de-duplicated customers table).
-- Parameters: none.
-- customer_key: the integer key the rollup uses; combo: the customer's segment x channel x region combination
-- (names in customer_groups).
select customer_key, combo from customer_index
