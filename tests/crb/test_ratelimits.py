"""The rate limits' rules and whose address a request comes from."""

from __future__ import annotations

import ipaddress

import pytest

from crb.ratelimits import DEFAULT_RULES, Rule, client_address, rules_from, storage_uri

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32"))


def test_overrides_replace_a_rule_and_off_removes_it() -> None:
    rules = rules_from({"create_session": "address=5/minute;50/hour", "unsubscribe": "off"})
    assert rules["create_session"] == (Rule("address", "5/minute;50/hour"),)
    assert rules["unsubscribe"] == ()
    assert rules["checkout"] == DEFAULT_RULES["checkout"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sessions": "address=1/minute"}, "no rate limit named 'sessions'"),
        ({"checkout": "visitor=1/minute"}, "not scope=limits"),
        ({"checkout": "session=often"}, "not like 60/minute"),
        ({"checkout": "session="}, "not scope=limits"),
    ],
)
def test_a_bad_override_is_named(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules_from(overrides)


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a trusted proxy: its header is not believed
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),  # forged entries before a proxy
        ("2001:db8::1", "2001:db8::2, 2a00:1450::1", "2a00:1450::1"),
        ("10.0.0.2", "10.0.0.3", "10.0.0.3"),  # only proxies: the first one seen
        ("10.0.0.2", "garbage", "garbage"),
        ("10.0.0.2", None, "10.0.0.2"),
        (None, None, "unknown"),
    ],
)
def test_the_client_address_believes_trusted_proxies_only(peer: str | None, forwarded: str | None, client: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == client


def test_the_storage_uri_follows_the_redis_url() -> None:
    assert storage_uri("redis://127.0.0.1:6379/0") == "async+redis://127.0.0.1:6379/0"
    assert storage_uri("unix:///tmp/x/redis.sock") == "async+redis+unix:///tmp/x/redis.sock"
