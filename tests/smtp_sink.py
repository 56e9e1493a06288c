"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps and parses what it receives.

Tests set how it answers: refuse an address with a code (550 forever, 451 a few times),
hold every new message before MAIL FROM (to stop a sender at a known point), or stop
listening altogether.
"""

import asyncio
import email
import email.policy
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None, "no text/plain part"
        return str(part.get_content())  # type: ignore[attr-defined]

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None, "no text/html part"
        return str(part.get_content())  # type: ignore[attr-defined]


@dataclass
class Refusal:
    reply: str  # "550 5.1.1 No such mailbox"
    times: int | None = None  # None: always


class Sink:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refusals: dict[str, Refusal] = {}
        self.mail_commands = 0
        self.lock = threading.Lock()
        self.hold_after: int | None = None  # hold MAIL FROM once this many were received
        self.released = threading.Event()

    # aiosmtpd handler hooks ----------------------------------------------------------------

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        with self.lock:
            self.mail_commands += 1
        while self.hold_after is not None and len(self.received) >= self.hold_after:
            if self.released.is_set():
                break
            await asyncio.sleep(0.01)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        with self.lock:
            refusal = self.refusals.get(address)
            if refusal is not None and refusal.times != 0:
                if refusal.times is not None:
                    refusal.times -= 1
                return refusal.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
        return "250 Message accepted"

    # for tests -----------------------------------------------------------------------------

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def recipients(self) -> list[str]:
        return [a for r in self.received for a in r.recipients]

    def wait_for(self, condition: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("the SMTP sink waited in vain")
            time.sleep(0.01)


@dataclass
class SmtpServer:
    sink: Sink
    host: str
    port: int
    controller: Controller = field(repr=False)
    running: bool = True

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


def start_sink(port: int = 0) -> SmtpServer:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port or _free_port())
    controller.start()
    return SmtpServer(sink, "127.0.0.1", controller.port, controller)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
