"""The guide's checklist over GraphQL (`products:read`); computed in models/playbook/checklist.py."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.permissions import needs
from api.graphql.relay import decode_id, global_id
from models.playbook import checklist as domain

PlaybookCheckKey = strawberry.enum(Enum("PlaybookCheckKey", {k.upper(): k for k, _ in domain.CHECKS}),
                                   description="The guide's ten checks, in its order.")


@strawberry.enum
class PlaybookCheckStatus(Enum):
    DONE = "done"
    PARTLY = "partly"
    TODO = "todo"


@strawberry.type(description="One of the guide's checks, judged on the product's data.")
class PlaybookCheck:
    key: PlaybookCheckKey  # type: ignore[valid-type]
    title: str
    status: PlaybookCheckStatus
    evidence: list[str] = strawberry.field(description="What the status was judged on.")
    next_step: str | None = strawberry.field(description="What to do next; null when done.")


@strawberry.type
class PlaybookChecklist:
    product_id: strawberry.ID
    done_count: int
    checks: list[PlaybookCheck]


@strawberry.type
class ChecklistQueries:
    @strawberry.field(permission_classes=[needs("products:read")],
                      description="The guide's ten checks for a product, computed from its listings, "
                                  "campaigns, messages, clicks, quotes and improvement records.")
    async def playbook_checklist(self, info: Info, product_id: strawberry.ID) -> PlaybookChecklist | None:
        found = await domain.playbook_checklist(info.context.actor,
                                                decode_id(product_id, "productId", "Product"))
        if found is None:
            return None
        return PlaybookChecklist(
            product_id=global_id("Product", found.product_id), done_count=found.done,
            checks=[PlaybookCheck(key=PlaybookCheckKey(c.key), title=c.title,
                                  status=PlaybookCheckStatus(c.status), evidence=c.evidence,
                                  next_step=c.next_step) for c in found.checks])
