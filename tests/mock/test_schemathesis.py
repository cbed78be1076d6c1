"""Schemathesis against the in-process mock: its OpenAPI 3.1 document (built
from schemas/) is fuzzed with a bounded number of examples per operation, and
every response must be no server error and must match the documented schemas."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from sknpay_harness.mock.app import MockConfig, create_app  # noqa: E402

APP = create_app(MockConfig(webhook_secret="whsec_schemathesis"))  # no endpoints: no webhooks
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)
AUTH = {"Authorization": "Bearer sk_test_schemathesis"}


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    # Every check but "schema-valid request accepted": JSON Schema cannot tell
    # 10.0 from 10, and the mock deliberately refuses non-integer JSON amounts;
    # a schema-valid refund is also refused (400) for an unpaid payment.
    case.call_and_validate(headers=AUTH, excluded_checks=[positive_data_acceptance])
