-- moderator_quality_between(from_day, to_day): QA feedback per moderator, for coaching: the
-- audited decisions of each moderator and market over the qa_window days (default the latest 28
-- days of decisions), with the weighted QA errors and the 95% interval of the rate, ranked by its
-- lower bound (qa_audits.sql qa_error_rates). Grain: (market, moderator_id).
create or replace macro moderator_quality_between(from_day, to_day) as table
select
    market,
    moderator_id,
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
where breakdown = 'moderator'
order by market, qa_error_rank, moderator_id;

-- moderator_quality: moderator_quality_between over the latest 28 days of decisions.
create or replace view moderator_quality as
select * from moderator_quality_between(null, null);
