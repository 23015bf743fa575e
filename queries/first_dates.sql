-- Grain: one row: the earliest transaction date and the earliest signup date.
-- Parameters: none.
-- first_transaction: min(transaction_date) over all transactions; first_signup: min(signup_date) over the
-- de-duplicated customers. The date pickers' lower bound; answered from the Parquet statistics, not a scan.
select
    (select min(transaction_date) from transactions) as first_transaction,
    (select min(signup_date) from customers) as first_signup
