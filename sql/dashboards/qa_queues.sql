-- The queues of each market by QA error over the latest 28 days of decisions (queue_quality's
-- rows, its days bound from windows.sql): the ten with the highest lower bound of the weighted
-- QA error rate's 95% interval first, so a queue with a handful of audits does not top the list
-- on noise.
-- Queues only: the page never shows a moderator or auditor id.
select
    market,
    queue,
    first_day,
    last_day,
    audited_decisions,
    qa_errors,
    qa_error_weight,
    qa_error_rate,
    qa_error_rate_low,
    qa_error_rate_high,
    qa_error_rank
from queue_quality_between($qa_first_day, $qa_last_day)
where qa_error_rank <= 10
order by market, qa_error_rank, queue;
