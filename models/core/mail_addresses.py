"""Mailboxes for the headers of the mail Plaudit sends, from names other people typed.

A display name comes from a CRM, a review platform or a form: `Bob "The Builder"
<evil@attacker.example>` or a 200-character name made Python's header folding emit a `To:` that
receivers parse as other addresses. Names are reduced to words — no quotes, brackets, commas,
colons, at-signs, control characters; at most 64 characters — before they reach a header.
"""

from __future__ import annotations

import re
from email.headerregistry import Address

MAX_NAME = 64
_UNSAFE = re.compile(r'["\\<>()\[\],;:@\x00-\x1f\x7f]+')


def display_name(text: str | None) -> str:
    words = _UNSAFE.sub(" ", text or "").split()
    name = " ".join(words)
    return name[:MAX_NAME].rstrip()


def mailbox(name: str | None, email: str) -> Address:
    return Address(display_name(name), addr_spec=email)
