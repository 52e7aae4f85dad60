"""Who is acting: an admin user, an API token or the system itself.

Scopes and the optional product limit of a token are domain facts: the domain
functions filter and refuse by them, so every adapter gets the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

SCOPES: dict[str, str] = {
    "customers:read": "Read customers",
    "customers:write": "Create and update customers",
    "signals:read": "Read lifecycle signals",
    "signals:write": "Record lifecycle signals",
    "products:read": "Read products and their platform profiles",
    "products:write": "Create and update products and platform profiles",
    "senders:read": "Read senders",
    "senders:write": "Create and update senders",
    "campaigns:read": "Read campaigns, their lint, previews, selection audits and funnels",
    "campaigns:write": "Create, edit, activate, pause and finish campaigns",
    "asks:read": "Read asks, e.g. in-app asks for a customer (safe for a frontend)",
    "tasks:read": "Read tasks (calls, social DMs, thank-yous, outreach, replies, approvals)",
    "tasks:write": "Assign and complete tasks",
    "reviews:read": "Read reviews",
    "reviews:write": "Import reviews",
    "quotes:read": "Read quotes, their curation trail and consent",
    "quotes:write": "Capture praise and curate quotes (approve, publish, retire, …)",
    "webhooks:read": "Read webhook endpoints and their delivery logs",
    "webhooks:write": "Create, change, test and delete webhook endpoints; resend deliveries",
    "showcase:read": "Read the public showcase (safe in a browser)",
    "case_studies:read": "Read case studies: invitations, answers, drafts",
    "case_studies:write": "Invite customers to case studies, set the questions, draft, publish, withdraw",
    "team:read": "Read the team roster and the shout-outs customers give it",
    "team:write": "Add and change team members",
    "admin": "Everything, including token management",
}


@dataclass(frozen=True)
class Actor:
    kind: str  # "admin" | "token" | "system" | "anonymous"
    name: str
    scopes: frozenset[str] = frozenset()
    product_id: int | None = None  # a token limited to one product
    token_id: int | None = None
    expires_at: object = None  # datetime: when the token stops working, if it expires

    def has_scope(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    def may_touch_product(self, product_id: int | None) -> bool:
        return self.product_id is None or self.product_id == product_id

    @property
    def is_authenticated(self) -> bool:
        # "anonymous" sent no token (one that fails is refused before an actor exists).
        return self.kind in ("admin", "token", "system")


ANONYMOUS = Actor(kind="anonymous", name="anonymous")
SYSTEM = Actor(kind="system", name="plaudit", scopes=frozenset({"admin"}))


def admin_actor(username: str) -> Actor:
    return Actor(kind="admin", name=username, scopes=frozenset({"admin"}))
