"""Rating readings over GraphQL: record what a platform shows for a profile, read the history."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.catalogue.platforms import RatingReadingType
from api.graphql.errors import map_errors, user_error_type
from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, Connection, decode_id, paginate
from models.catalogue import readings as domain

RecordRatingReadingError = user_error_type("RecordRatingReading", [
    "NOT_FOUND", "INVALID_DATE", "INVALID_RATING", "INVALID_COUNT"])


@strawberry.type
class RecordRatingReadingPayload:
    reading: RatingReadingType | None
    user_errors: list[RecordRatingReadingError]  # type: ignore[valid-type]


@strawberry.type
class ReadingQueries:
    @strawberry.field(permission_classes=[needs("products:read")],
                      description="A profile's readings, oldest first (one per day).")
    async def rating_readings(self, info: Info, profile_id: strawberry.ID, first: int | None = None,
                              after: str | None = None, last: int | None = None,
                              before: str | None = None, since: dt.date | None = None,
                              until: dt.date | None = None) -> Connection[RatingReadingType]:
        profile, actor = decode_id(profile_id, "profileId", "PlatformProfile"), info.context.actor
        flt = domain.ReadingFilter(since=since, until=until)
        page = await paginate(lambda page: domain.list_readings(actor, profile, flt, page),
                              first, after, last, before)
        if page is None:
            raise ArgumentError("`profileId` is not a platform profile this token can see.")
        return Connection.from_page(page)


@strawberry.type
class ReadingMutations:
    @strawberry.mutation(permission_classes=[needs("products:write")],
                         description="Record what the platform shows today (or on `takenOn`): its "
                                     "average as shown there, on the platform's own scale (kept "
                                     "out of 5), and its review count. A second reading of the "
                                     "same day replaces the first.")
    async def record_rating_reading(self, info: Info, profile_id: strawberry.ID, average: float,
                                    review_count: int,
                                    taken_on: dt.date | None = None) -> RecordRatingReadingPayload:
        outcome = await domain.record_rating_reading(
            info.context.actor, decode_id(profile_id, "profileId", "PlatformProfile"),
            taken_on or dt.date.today(),
            average, review_count)
        return RecordRatingReadingPayload(
            reading=outcome.value, user_errors=map_errors(RecordRatingReadingError, outcome.errors))
