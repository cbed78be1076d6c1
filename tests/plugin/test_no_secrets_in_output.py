"""The API key and webhook secret never reach anything a run writes.

A child pytest runs every failure path (and a passing scenario) with canary
credentials (a subprocess for the fullest style and the sandbox; in-process
for the other styles, which change only how pytest renders), under every
traceback style, with ``-l``, ``-vv``, ``-rA`` and DEBUG logs on the terminal
and in a file; then everything it wrote (stdout,
stderr, junit with captured output, every allure result file, the log file,
the sandbox run summary) is searched for the canary. Any fragment counts: the
key without its prefix or cut short still carries ``CANARY``, and the tail a
repr cut in the middle keeps (``'sk_test_CA..._9c2e5b1d'``) is searched too.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.heavy  # child runs of seconds: scheduled first (tests/conftest.py)

MARK = "CANARY"  # in both credentials, and nowhere else in the child runs
KEY = f"sk_test_{MARK}_k3y_7f3a9c2e5b1d"
WHSEC = f"whsec_{MARK}_s3cret_91bc4e8f02aa"
FRAGMENTS = (MARK, KEY[-8:], WHSEC[-8:])
SCENARIO = Path(__file__).parents[1] / "scenarios" / "test_cancel_before_pay.py"

# Every path but the sandbox's, in one embedded-mock session: each test ends
# on one failure path, through the harness's own client, inbox and contract.
PATHS = '''
import logging
import socket
import threading

import pytest

from sknpay_harness import SknPayClient
from sknpay_harness.serving import WsgiServer
from test_scenario import test_cancel_before_pay as scenario

FULL_SCENARIO = ["sknpay_api", "sknpay_contract", "sknpay_webhooks", "sknpay_reporter"]


def test_passing_scenario(sknpay_api, sknpay_contract, sknpay_webhooks, sknpay_reporter):
    print("captured stdout of a passing test")
    scenario(sknpay_api, sknpay_contract, sknpay_webhooks, sknpay_reporter)


@pytest.mark.parametrize("break_name", ["status_cancelled", "no_webhook", "webhook_wrong_secret"])
def test_broken_mock(break_name, sknpay_mock, sknpay_api, sknpay_contract, sknpay_webhooks,
                     sknpay_reporter):
    sknpay_mock.breaks.set([break_name])
    scenario(sknpay_api, sknpay_contract, sknpay_webhooks, sknpay_reporter)


def test_webhook_deadline(monkeypatch, sknpay_mock, sknpay_api, sknpay_webhooks):
    monkeypatch.setattr(sknpay_mock.app.state.outbox, "delay", 3.0)
    payment = sknpay_api.create_payment({"amount": 100, "currency": "USD"}).json()
    sknpay_api.cancel_payment(payment["id"])
    sknpay_webhooks.wait_for("payment.canceled", payment["id"], timeout=0.05)


@pytest.fixture
def silent_server():
    """Accepts requests and answers none of them until the test is over."""
    release = threading.Event()

    def app(environ, start_response):
        release.wait(10)
        start_response("503 Service Unavailable", [])
        return [b""]

    with WsgiServer(app) as server:
        yield server
        release.set()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["unreachable", "dns", "tls", "timeout"])
def broken_url(request, sknpay_target):
    if request.param == "unreachable":
        return f"http://127.0.0.1:{closed_port()}/api/v1"
    if request.param == "dns":
        return "http://sknpay.invalid/api/v1"
    if request.param == "tls":
        return sknpay_target.api_url.replace("http://", "https://")
    return request.getfixturevalue("silent_server").url + "/api/v1"


def test_a_revealed_secret_in_locals_output_logs_and_properties(sknpay_settings, sknpay_reporter,
                                                               record_property):
    # The last line: what the Secret type cannot stop (a caller revealing the
    # value) is masked in every report, log, junit property and allure step.
    key, secret = sknpay_settings.api_key.reveal(), sknpay_settings.webhook_secret.reveal()
    print("stdout:", key, key.removeprefix("sk_test_"))
    logging.getLogger("user.code").warning("logged: %s %s", key, secret)
    record_property("key", key)
    with sknpay_reporter.step("a step that fails on the revealed values"):
        assert key == secret, f"{key} is not {secret}"


def test_transport_failure(broken_url, sknpay_settings, sknpay_redactor, sknpay_reporter):
    client = SknPayClient(broken_url, sknpay_settings.api_key, timeout=0.1,
                          redactor=sknpay_redactor)
    client.add_observer(sknpay_reporter.attach_exchange)
    try:
        client.create_payment({"amount": 100, "currency": "USD"})
    finally:
        client.close()
'''

# Every tb style, each with what shows the most: -l (locals; long and auto
# also print each frame's arguments without it) and, for long, --full-trace,
# whose frames are a superset of the default's. -vv shows values whole;
# without it pytest cuts long ones to head...tail: both are covered.
STYLES = {
    "long-l-fulltrace-vv": ["--tb=long", "-l", "--full-trace", "-vv"],
    "auto-l": ["--tb=auto", "-l"],
    "short-l-vv": ["--tb=short", "-l", "-vv"],
    "line": ["--tb=line", "-l"],
    "native-l-vv": ["--tb=native", "-l", "-vv"],
}
MOCK_OUTCOMES = {"passed": 1, "failed": 9}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


FULLEST = "long-l-fulltrace-vv"


def run_child(pytester: pytest.Pytester, style: list[str], *args: str,
              in_process: bool = False) -> tuple[pytest.RunResult, dict[str, str]]:
    """Run the child with every output on; return the result and every text it wrote."""
    reports = pytester.path / "reports"
    run = pytester.runpytest_inprocess if in_process else pytester.runpytest_subprocess
    # In-process, the outer run's "warnings are errors" would still be in force:
    # -W default shows them as a user's run does (their text is searched too).
    result = run("-W", "default",
        "-p", "no:cacheprovider", "-rA", *style,
        "-o", "log_cli=true", "--log-cli-level=DEBUG",
        f"--log-file={reports / 'run.log'}", "--log-file-level=DEBUG",
        f"--junitxml={reports / 'junit.xml'}", "-o", "junit_logging=all",
        f"--alluredir={reports / 'allure-results'}", *args)
    texts = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    texts.update({str(p.relative_to(pytester.path)): p.read_text(encoding="utf-8", errors="replace")
                  for p in sorted(reports.rglob("*")) if p.is_file()})
    return result, texts


def leaks(texts: dict[str, str]) -> dict[str, int]:
    counts = {where: sum(text.count(f) for f in FRAGMENTS) for where, text in texts.items()}
    return {where: n for where, n in counts.items() if n}


# A logging handler of the user's own, beside pytest's: it gets the masked
# records too (the plugin masks each record as it is made).
USER_HANDLER = '''
import logging
import pathlib

_handler = None


def pytest_configure(config):
    global _handler
    reports = pathlib.Path(str(config.rootpath)) / "reports"
    reports.mkdir(exist_ok=True)
    _handler = logging.FileHandler(reports / "user-handler.log", encoding="utf-8")
    _handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(_handler)


def pytest_unconfigure(config):
    logging.getLogger().removeHandler(_handler)
    _handler.close()
'''


@pytest.fixture
def canary(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("SKNPAY_API_KEY", KEY)
    monkeypatch.setenv("SKNPAY_WEBHOOK_SECRET", WHSEC)
    pytester.makepyfile(test_scenario=SCENARIO.read_text(encoding="utf-8"), test_paths=PATHS)
    pytester.makeconftest(USER_HANDLER)
    return pytester


@pytest.mark.parametrize("style", STYLES)
def test_no_failure_path_shows_a_secret_on_the_mock(canary: pytest.Pytester, style: str) -> None:
    result, texts = run_child(canary, STYLES[style], "test_paths.py", "--sknpay-webhook-timeout=10",
                              in_process=style != FULLEST)
    result.assert_outcomes(**MOCK_OUTCOMES)
    assert "test_transport_failure" in texts["stdout"]
    assert any(p.endswith("-result.json") for p in texts) and "reports/run.log" in texts
    assert "WARNING user.code logged: " in texts["reports/user-handler.log"]
    assert leaks(texts) == {}, "the canary leaked (occurrences per output)"


def test_an_unreachable_sandbox_shows_no_secret(canary: pytest.Pytester,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # The plugin's own client, on the sandbox target, which also writes the run
    # summary file; in the fullest style (the mock runs cover every style).
    monkeypatch.setenv("SKNPAY_TARGET", "sandbox")
    monkeypatch.setenv("SKNPAY_WEBHOOK_PORT", str(free_port()))
    monkeypatch.setenv("SKNPAY_BASE_URL", f"http://127.0.0.1:{free_port()}/api/v1")
    result, texts = run_child(canary, STYLES[FULLEST], "test_scenario.py",
                              "--sknpay-retries=0")
    result.assert_outcomes(failed=1)
    assert "ConnectError" in texts["stdout"] and "reports/sknpay-run.json" in texts
    assert leaks(texts) == {}, "the canary leaked (occurrences per output)"
