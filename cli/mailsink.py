"""A local SMTP sink for development: accepts every message and keeps it in var/mail."""

from __future__ import annotations

import email
import email.policy
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class _SaveToDirectory:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def start_sink(directory: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    controller = Controller(_SaveToDirectory(directory), hostname=host, port=port)
    controller.start()
    return controller


def list_messages(directory: Path) -> list[dict]:
    messages = []
    for path in sorted(directory.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages.append({"file": path.name, "date": msg.get("Date", ""), "from": msg.get("From", ""),
                         "to": msg.get("To", ""), "subject": msg.get("Subject", "")})
    return messages
