"""The one builder: a spec describes a mock, build_mock makes every part from it."""

from __future__ import annotations

import io

import httpx
from werkzeug.test import Client

from sknpay_harness.mock.build import MockSpec, build_mock
from sknpay_harness.mock.cli import LineLog, build, build_parser, spec_of
from sknpay_harness.mock.faults import FailFirst

KEY = {"Authorization": "Bearer sk_test_build"}
BODY = {"amount": 100, "currency": "USD"}


def test_a_spec_builds_the_same_mock_every_time():
    # A fail-first rule counts down as it is used: each build gets its own copy.
    spec = MockSpec("whsec_build", fail_first=(FailFirst("create", 1),))
    for _ in range(2):
        mock = build_mock(spec)
        try:
            client = Client(mock.app)
            assert client.post("/api/v1/payments", json=BODY, headers=KEY).status_code == 503
            assert client.post("/api/v1/payments", json=BODY, headers=KEY).status_code == 200
        finally:
            mock.outbox.stop()
    assert spec.fail_first[0].remaining == 1


def test_the_command_line_is_a_spec_plus_its_log():
    args = build_parser().parse_args([
        "--port", "0", "--seed", "3", "--break", "no_webhook", "--extra-field", "tier=2",
        "--link-lifetime", "0", "--webhook-url", "http://127.0.0.1:9/hooks",
        "--webhook-delay", "1-2", "--webhook-max-attempts", "2", "--duplicate-rate", "0.5",
        "--fault-rate", "0.1", "--fault-kinds", "503", "--fail-first", "cancel=2:500"])
    spec = spec_of(args, "whsec_cli", ["sk_test_one"])
    assert (spec.api_keys, spec.webhook_endpoints, spec.breaks, spec.extra_fields) == (
        frozenset({"sk_test_one"}), ("http://127.0.0.1:9/hooks",), ("no_webhook",),
        (("tier", 2),))
    assert (spec.link_lifetime, spec.webhook_delay, spec.delivery_attempts.max_attempts) == (
        None, (1.0, 2.0), 2)
    assert (spec.chaos.duplicate_rate, spec.fault_rate, spec.fault_kinds, spec.seed) == (
        0.5, 0.1, ("503",), 3)
    assert spec.fail_first == (FailFirst("cancel", 2, 500),)
    log = io.StringIO()
    mock = build(args, LineLog(log), "whsec_cli", ["sk_test_one"]).start()
    try:
        assert httpx.get(mock.url + "/docs").status_code == 200
        assert "GET /docs -> 200" in log.getvalue()  # the command's request log wraps the app
        assert mock.state.breaks.names == ["no_webhook"]
        assert mock.faults.pending() == [{"route": "cancel", "remaining": 2, "status": 500}]
        assert mock.state.config.public_url == mock.url  # expiry events link here
    finally:
        mock.stop()
