"""Two runs on one account never confuse each other's payments.

On the sandbox every run's listener sits behind the same dashboard endpoint,
so each run also receives the other's events. Here one mock (one API key)
delivers every event to two runs' listeners while both create and cancel
payments at the same time; each run must accept exactly its own events and
ignore, but keep, the other's. Deterministic: counts are read once the mock's
outbox is idle, no timing is asserted.
"""

from __future__ import annotations

import threading

from sknpay_harness import SknPayClient, WebhookInbox, WebhookListener
from sknpay_harness.inbox import ACCEPTED, IGNORED
from sknpay_harness.ledger import RUN_TAG, PaymentLedger
from sknpay_harness.mock.build import MockSpec, build_mock

KEY, SECRET = "sk_test_shared_account", "whsec_shared_account"
PER_RUN = 25


class Run:
    """What one pytest session builds: its own inbox, listener, client and ledger."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.inbox = WebhookInbox([SECRET])
        self.listener = WebhookListener(self.inbox).start()
        self.made: list[str] = []
        self.error: BaseException | None = None

    def go(self, api_url: str) -> None:
        try:
            self._go(api_url)
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.error = exc

    def _go(self, api_url: str) -> None:
        client = SknPayClient(api_url, KEY)
        ledger = PaymentLedger(on_created=self.inbox.track)
        client.add_observer(ledger.observe)
        client.payment_tags = {RUN_TAG: self.run_id}
        for _ in range(PER_RUN):
            payment = client.create_payment({"amount": 500, "currency": "USD"}).json()
            self.made.append(payment["id"])
            client.cancel_payment(payment["id"])
        for payment_id in self.made:
            event = self.inbox.wait_for("payment.canceled", payment_id, timeout=30)
            assert event.body["data"]["object"]["metadata"][RUN_TAG] == self.run_id
        client.close()


def test_each_run_accepts_only_its_own_events_and_keeps_the_others():
    runs = [Run("run-a"), Run("run-b")]
    mock = build_mock(MockSpec(SECRET, api_keys=frozenset({KEY}),
                               webhook_endpoints=tuple(r.listener.url for r in runs)))
    mock.start()
    try:
        threads = [threading.Thread(target=r.go, args=(mock.api_url,)) for r in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert [r.error for r in runs] == [None, None]
        mock.outbox.wait_idle(30)
        for run, other in ((runs[0], runs[1]), (runs[1], runs[0])):
            accepted = {d.payment_id for d in run.inbox.deliveries() if d.outcome == ACCEPTED}
            ignored = {d.payment_id for d in run.inbox.deliveries() if d.outcome == IGNORED}
            assert accepted == set(run.made), f"{run.run_id} accepted another run's event"
            assert ignored == set(other.made), f"{run.run_id} did not keep the other run's events"
            assert {e.payment_id for e in run.inbox.events()} == set(run.made)
    finally:
        mock.stop()
        for r in runs:
            r.listener.stop()
