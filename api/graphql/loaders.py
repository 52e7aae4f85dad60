"""DataLoaders, built fresh for each request (a shared loader would cache forever)."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from strawberry.dataloader import DataLoader

from models.catalogue.platforms import PlatformProfile, ReviewPlatform, latest_snapshots_for, rows_by_id
from models.catalogue.products import products_by_id
from models.people.customers import Customer
from models.people.signals import latest_signals_for


async def _latest_signals(keys: list[tuple[int, int]]) -> list[list]:
    # Keys are (customer id, how many); one query per distinct limit, usually one.
    by_limit: dict[int, list[int]] = defaultdict(list)
    for customer_id, limit in keys:
        by_limit[limit].append(customer_id)
    found = {limit: await latest_signals_for(ids, limit) for limit, ids in by_limit.items()}
    return [found[limit][customer_id] for customer_id, limit in keys]


def _by_id(fetch):
    async def load(ids: list[int]) -> list:
        rows = await fetch(list(ids))
        return [rows.get(i) for i in ids]

    return load


def _grouped(fetch):
    """For one-to-many lookups: `fetch` returns {key: [rows]}; a key without rows gets []."""
    async def load(keys: list[int]) -> list:
        found = await fetch(list(keys))
        return [found.get(k, []) for k in keys]

    return load


class Loaders:
    @cached_property
    def team_member(self) -> DataLoader:
        from models.team.tables import TeamMember

        return DataLoader(_by_id(lambda ids: rows_by_id(TeamMember, ids)))

    @cached_property
    def latest_signals(self) -> DataLoader:
        return DataLoader(_latest_signals)

    @cached_property
    def customer(self) -> DataLoader:
        return DataLoader(_by_id(lambda ids: rows_by_id(Customer, ids)))

    @cached_property
    def signal(self) -> DataLoader:
        from models.people.signals import Signal

        return DataLoader(_by_id(lambda ids: rows_by_id(Signal, ids)))

    @cached_property
    def ask_touches(self) -> DataLoader:
        from models.asking.queries import touches_for

        return DataLoader(_grouped(touches_for))

    @cached_property
    def ask_clicks(self) -> DataLoader:
        from models.asking.queries import clicks_for

        return DataLoader(_grouped(clicks_for))

    @cached_property
    def webhook_attempts(self) -> DataLoader:
        from models.events.deliveries import attempts_of

        return DataLoader(_grouped(attempts_of))

    @cached_property
    def review(self) -> DataLoader:
        from models.reviews.queries import reviews_by_id

        return DataLoader(_by_id(reviews_by_id))

    @cached_property
    def product(self) -> DataLoader:
        return DataLoader(_by_id(products_by_id))

    @cached_property
    def platform(self) -> DataLoader:
        return DataLoader(_by_id(lambda ids: rows_by_id(ReviewPlatform, ids)))

    @cached_property
    def profile(self) -> DataLoader:
        return DataLoader(_by_id(lambda ids: rows_by_id(PlatformProfile, ids)))

    @cached_property
    def latest_snapshot(self) -> DataLoader:
        return DataLoader(_by_id(latest_snapshots_for))

    @cached_property
    def quote_consents(self) -> DataLoader:
        from models.quotes.queries import consents_for

        return DataLoader(_by_id(consents_for))
