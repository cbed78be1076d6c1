from __future__ import annotations

import pytest

from sknpay_harness.errors import ConfigError
from sknpay_harness.settings import KNOBS, Secret, resolve


def test_defaults_for_the_mock_make_throwaway_credentials():
    s = resolve({}, {}, {})
    assert s.target == "mock" and s.webhook_timeout == 60 and s.webhook_port == 0
    assert s.api_key.reveal().startswith("sk_test_mock_")
    assert s.webhook_secret.reveal().startswith("whsec_mock_")
    assert s.sources["webhook_timeout"] == "default"


def test_option_beats_env_beats_ini_beats_default():
    env = {"SKNPAY_WEBHOOK_TIMEOUT": "20"}
    assert resolve({"webhook_timeout": "10"}, env, {"webhook_timeout": "30"}).webhook_timeout == 10
    s = resolve({}, env, {"webhook_timeout": "30"})
    assert s.webhook_timeout == 20 and s.sources["webhook_timeout"] == "env SKNPAY_WEBHOOK_TIMEOUT"
    assert resolve({}, {}, {"webhook_timeout": "30"}).webhook_timeout == 30


@pytest.mark.parametrize(
    ("options", "env", "fragment"),
    [
        ({"webhook_timeout": "-1"}, {}, "Invalid webhook timeout '-1' from option --sknpay-webhook-timeout"),
        ({}, {"SKNPAY_WEBHOOK_TIMEOUT": "soon"}, "from env SKNPAY_WEBHOOK_TIMEOUT: must be a number"),
        ({}, {"SKNPAY_TARGET": "prod"}, "Invalid target 'prod' from env SKNPAY_TARGET: must be one of mock, sandbox"),
        ({"webhook_port": "70000"}, {}, "must be a TCP port"),
        ({}, {"SKNPAY_STRICT_CONTRACT": "maybe"}, "must be true or false"),
    ],
)
def test_invalid_values_name_their_source(options, env, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        resolve(options, env, {})
    assert fragment in str(info.value)


def test_secrets_are_hidden_in_repr_and_errors():
    s = resolve({}, {"SKNPAY_API_KEY": "sk_test_visible", "SKNPAY_WEBHOOK_SECRET": "whsec_v"}, {})
    assert isinstance(s.api_key, Secret)
    assert "sk_test_visible" not in repr(s) and "whsec_v" not in repr(s)


def test_every_knob_has_option_env_and_ini_names():
    for knob in KNOBS:
        assert knob.option.startswith("--sknpay-") and knob.env.startswith("SKNPAY_")
        assert knob.ini.startswith("sknpay_") and knob.help
