"""The webhook port is bound in pytest_configure: a port in use or a host this
machine does not have stops the run before any test, exit 4, in a few lines
naming the host, the port and where each came from, with the OS's reason."""

from __future__ import annotations

import socket

import pytest

NOT_THIS_MACHINE = "203.0.113.1"  # TEST-NET-3: binding fails locally, nothing is sent
NEVER_RUNS = """
def test_never_runs(sknpay_webhooks):
    raise AssertionError("a test ran although the webhook port could not be bound")
"""


def _lines(result: pytest.RunResult) -> list[str]:
    return result.outlines + result.errlines


def _in_use(port: int, source: str, what: str = "the webhook listener") -> list[str]:
    return [
        f"ERROR: sknpay: cannot bind {what} to 127.0.0.1:{port}: Address already in use "
        "(EADDRINUSE)",
        f"  port {port} from {source}; host 127.0.0.1 from default",
        "  another process is listening on that port (another test run?): stop it, or choose "
        "another port (0 picks a free one)",
    ]


def test_a_port_in_use_from_the_option_stops_the_run_before_any_test(
        pytester: pytest.Pytester, held_port):
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                           f"--sknpay-webhook-port={held_port}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = _lines(result)
    assert len(lines) <= 5, "\n".join(lines)
    assert [line for line in lines if line] == _in_use(
        held_port, "option --sknpay-webhook-port"), "\n".join(lines)
    assert "Traceback" not in "\n".join(lines)


@pytest.mark.parametrize("where", ["env", "ini"])
def test_a_port_in_use_names_where_the_port_came_from(
        pytester: pytest.Pytester, monkeypatch, held_port, where):
    if where == "env":
        monkeypatch.setenv("SKNPAY_WEBHOOK_PORT", str(held_port))
        source = "env SKNPAY_WEBHOOK_PORT"
    else:
        pytester.makeini(f"[pytest]\nsknpay_webhook_port = {held_port}\n")
        source = "ini sknpay_webhook_port"
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in _lines(result) if line] == _in_use(held_port, source)


def test_a_host_this_machine_does_not_have_stops_the_run(pytester: pytest.Pytester):
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest("-p", "no:cacheprovider",
                                f"--sknpay-webhook-host={NOT_THIS_MACHINE}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in _lines(result) if line] == [
        f"ERROR: sknpay: cannot bind the webhook listener to {NOT_THIS_MACHINE}:0: "
        "Cannot assign requested address (EADDRNOTAVAIL)",
        f"  port 0 (any free port) from default; host {NOT_THIS_MACHINE} from option "
        "--sknpay-webhook-host",
        "  that host is not an address of this machine: use 127.0.0.1 (the default) or one "
        "of its own interfaces",
    ]


def test_under_xdist_the_controller_stops_the_run_once(pytester: pytest.Pytester, monkeypatch,
                                                       held_port):
    # A fixed port under -n: the controller's relay binds it, so the failure is
    # the relay's, reported once, before any worker starts.
    monkeypatch.setenv("SKNPAY_WEBHOOK_PORT", str(held_port))
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = _lines(result)
    assert len(lines) <= 5, "\n".join(lines)
    assert [line for line in lines if line] == _in_use(
        held_port, "env SKNPAY_WEBHOOK_PORT", "the webhook relay for the xdist workers")


def test_under_xdist_a_foreign_host_fails_once_on_the_controller(pytester: pytest.Pytester):
    pytester.makepyfile(NEVER_RUNS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           f"--sknpay-webhook-host={NOT_THIS_MACHINE}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _lines(result)[0] == (
        "ERROR: sknpay: cannot bind the webhook listeners of the xdist workers to "
        f"{NOT_THIS_MACHINE}:0: Cannot assign requested address (EADDRNOTAVAIL)")


def test_runs_that_start_no_test_do_not_bind(pytester: pytest.Pytester, held_port):
    pytester.makepyfile(NEVER_RUNS)
    for flag in ("--collect-only", "--fixtures", "--markers"):
        result = pytester.runpytest("-p", "no:cacheprovider", flag,
                                    f"--sknpay-webhook-port={held_port}")
        assert result.ret == pytest.ExitCode.OK, flag


def test_the_session_listener_is_the_one_bound_at_configure_time(pytester: pytest.Pytester):
    # A conftest hook that runs before collection finds the port already listening.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pytester.makeconftest(f"""
        import socket

        def pytest_sessionstart(session):
            socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
        """)
    pytester.makepyfile(f"""
        def test_listener(sknpay_listener):
            assert sknpay_listener.url == "http://127.0.0.1:{port}/webhooks/sknpay"
        """)
    result = pytester.runpytest("-p", "no:cacheprovider", f"--sknpay-webhook-port={port}")
    result.assert_outcomes(passed=1)


def test_the_bound_listener_stops_even_when_another_plugins_unconfigure_raises(
        pytester: pytest.Pytester):
    # cheroot's worker threads are not daemons: a listener left running would
    # keep the interpreter waiting at exit forever.
    pytester.makeconftest("""
def pytest_unconfigure(config):
    raise RuntimeError("another plugin's unconfigure failed")
""")
    pytester.makepyfile("def test_passes():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=30)
    assert "another plugin's unconfigure failed" in result.stderr.str()
    assert result.ret != 0
