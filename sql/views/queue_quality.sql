-- queue_quality_between(from_day, to_day): QA feedback per queue (the teams to coach): the
-- audited decisions of each queue and market over the qa_window days (default the latest 28
-- days of decisions), with the weighted QA errors and the 95% interval of the rate, ranked by its
-- lower bound (qa_audits.sql qa_error_rates). Grain: (market, queue).
create or replace macro queue_quality_between(from_day, to_day) as table
select
    market,
    queue,
    first_day,
    last_day,
    audited_decisions,
    audited_weight,
    audit_n,
    qa_errors,
    qa_error_weight,
    qa_error_rate,
    qa_error_rate_low,
    qa_error_rate_high,
    qa_error_rank
from qa_error_rates(from_day, to_day)
where breakdown = 'queue'
order by market, qa_error_rank, queue;

-- queue_quality: queue_quality_between over the latest 28 days of decisions.
create or replace view queue_quality as
select * from queue_quality_between(null, null);
