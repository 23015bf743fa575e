-- Grain: one row per export x required column with null values, with the count of null rows.
-- Parameters: none. (Only the required columns are keys: the rest may be empty by contract.)
with
counts as (
    select 'customers' as export, 'customer_id' as column_name, count(*) filter (where customer_id is null) as affected
    from customers_all
    union all
    select 'customers', 'signup_date', count(*) filter (where signup_date is null) from customers_all
    union all
    select 'transactions', 'customer_id', count(*) filter (where customer_id is null) from transactions
    union all
    select 'transactions', 'transaction_date', count(*) filter (where transaction_date is null) from transactions
    union all
    select 'transactions', 'amount', count(*) filter (where amount is null) from transactions
),
final as (
    select export, column_name, affected from counts where affected > 0
)
select * from final order by export, column_name
