"""What partner batches (customers, signals, later reviews) share: limits and results."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.core.actors import Actor
from models.core.results import UserError

MAX_BATCH = 5000


@dataclass
class ItemResult:
    index: int
    key: str
    status: str  # CREATED | UPDATED | UNCHANGED | DUPLICATE
    id: int


@dataclass
class BatchResult:
    items: list[ItemResult] = field(default_factory=list)
    errors: list[UserError] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)


def batch_target(actor: Actor, product_id: int | None, size: int,
                 items_field: str) -> tuple[int | None, list[UserError]]:
    """The product a batch writes to (the token's own by default), or why it cannot."""
    product_id = product_id if product_id is not None else actor.product_id
    if product_id is None:
        return None, [UserError("PRODUCT_REQUIRED", "Say which product.", ("productId",))]
    if not actor.may_touch_product(product_id):
        return None, [UserError("PRODUCT_FORBIDDEN", "This token is limited to another product.",
                                ("productId",))]
    if size > MAX_BATCH:
        return None, [UserError("BATCH_TOO_LARGE", f"At most {MAX_BATCH} items per call.",
                                (items_field,))]
    return product_id, []
