"""Batch inputs built directly (api/graphql/fast_inputs.py) equal what Strawberry's own
conversion builds, field for field, for omitted, null, enum, scalar and nested values — as
graphql-core hands them over (enums as their Python members, scalars parsed)."""

import datetime as dt

import pytest
from strawberry.types.arguments import convert_argument

from api.graphql.schema import schema
from api.people.customers import CustomerInput, LocaleEnum
from api.people.signals import SignalInput, SignalKind
from api.reviews.reviews import ReviewInput

NOW = dt.datetime(2026, 12, 4, 10, 15, tzinfo=dt.UTC)
CASES = [
    (SignalInput, {"source": "billing", "eventId": "e1", "customerExternalId": "c1",
                   "kind": SignalKind.RENEWED, "occurredAt": NOW}),
    (SignalInput, {"source": "nps", "eventId": "e2", "customerExternalId": "c1",
                   "kind": SignalKind.NPS_ANSWER, "occurredAt": NOW, "npsScore": 9, "note": None,
                   "payload": {"a": [1, {"b": None}]}}),
    (CustomerInput, {"externalId": "c1"}),
    (CustomerInput, {"externalId": "c2", "email": "a@b.example", "locale": LocaleEnum.FR,
                     "customerSince": dt.date(2024, 1, 2), "isInsider": True,
                     "socialHandles": [{"network": "linkedin", "handle": "ana"}], "accountOwner": None}),
    (ReviewInput, {"platform": "g2", "externalId": "r1", "rating": 4.5,
                   "reviewedOn": dt.date(2026, 1, 1)}),
    (ReviewInput, {"platform": "g2", "externalId": "r2", "rating": 9.0, "reviewedOn": dt.date(2026, 1, 1),
                   "scale": 10, "subRatings": {"easeOfUse": 8.0}, "incentivized": True, "pros": "Fast."}),
]


def strawberry_own(cls, value):
    definition = cls.__strawberry_definition__
    hook, definition.from_input = definition.from_input, None
    try:
        return convert_argument(value, cls, schema.schema_converter.scalar_registry, schema.config)
    finally:
        definition.from_input = hook


@pytest.mark.parametrize("cls,value", CASES)
def test_the_same_value_as_strawberry_builds(cls, value):
    assert cls.__strawberry_definition__.from_input is not None
    built = convert_argument(value, cls, schema.schema_converter.scalar_registry, schema.config)
    assert built == strawberry_own(cls, value)
    assert type(built) is cls
