"""One retry policy: the waits between tries, the last try, and the worker's arq functions reading the same."""

from __future__ import annotations

from jobs.retry import RETRIES, RetryPolicies, RetryPolicy
from jobs.worker import functions


def test_waits_follow_the_list_and_the_last_repeats() -> None:
    policy = RetryPolicy(6, (10, 60, 300))

    assert [policy.defer_s(n) for n in range(1, 6)] == [10, 60, 300, 300, 300]
    assert [policy.exhausted(n) for n in range(1, 7)] == [False] * 5 + [True]


def test_the_defaults_are_the_documented_ones() -> None:
    assert sum(RETRIES.report.backoff_s) == 755  # about 13 minutes before the failure email
    assert RETRIES.report.tries == len(RETRIES.report.backoff_s) + 1
    assert sum(RETRIES.email.backoff_s) == sum(RETRIES.refund.backoff_s) == 5770  # about 1.5 hours


def test_the_worker_tries_each_job_as_often_as_its_policy_says() -> None:
    policies = RetryPolicies(report=RetryPolicy(2, (1,)), email=RetryPolicy(3, (1,)), refund=RetryPolicy(4, (1,)))

    tries = {f.name: f.max_tries for f in functions(policies)}

    assert (tries["generate_report"], tries["send_email"], tries["refund_payment"]) == (2, 3, 4)
    assert {tries[name] for name in ("reconcile", "quiz_cleanup")} == {1}
