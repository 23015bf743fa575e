-- Grain: one row: how the transactions' customer_ids match customers, from one pass over transactions grouped
-- by customer_id and joined to customers once (a join per transaction, plus a count of distinct ids, cost
-- twice as much at 10M transactions). Parameters: none.
--   rows, first_date, last_date: of the transactions export, as coverage_transactions has them;
--   distinct_keys: distinct non-null customer_ids in transactions, as coverage_transactions has it;
--   unknown_customer_transactions: transactions whose customer_id is not null and not in customers (the
--     definition of health_unknown_customers), exact;
--   unknown_customer_ids: the 5 unknown customer_ids that come first by (first transaction_date, customer_id),
--     dates missing last. The first 5 unknown-customer transactions by (transaction_date, customer_id) all
--     belong to them: a transaction of any later id comes after the first transaction of each of these 5.
--     health_unknown_customers shows them;
--   customers_before_signup: customers with a transaction dated before their signup_date. Zero exactly when
--     health_before_signup finds no transaction; that query counts the transactions.
with
by_customer as (
    select customer_id, count(*) as transactions, min(transaction_date) as first_transaction_date
    from transactions
    where customer_id is not null
    group by customer_id
),
linked as (
    select b.customer_id, b.transactions, b.first_transaction_date, c.signup_date,
           c.customer_id is null as unknown
    from by_customer as b
    left join customers as c on c.customer_id = b.customer_id
),
final as (
    select
        (select count(*) from transactions) as rows,
        count(*) as distinct_keys,
        (select min(transaction_date) from transactions) as first_date,
        (select max(transaction_date) from transactions) as last_date,
        coalesce(sum(transactions) filter (where unknown), 0) as unknown_customer_transactions,
        min_by(customer_id, {'undated': first_transaction_date is null,
                             'first': coalesce(first_transaction_date, date '0001-01-01'), 'id': customer_id}, 5)
            filter (where unknown) as unknown_customer_ids,
        count(*) filter (where first_transaction_date < signup_date) as customers_before_signup
    from linked
)
select * from final
