"""Tasks over GraphQL: the work asks and reviews create for people — calls, social DMs,
thank-yous, outreach, replies, approvals — listed, assigned and completed with an outcome."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, Connection, decode_id, global_id, paginate, search_text
from models.asking import tasks as domain
from models.core.pagination import PageRequest


@strawberry.enum
class TaskKind(Enum):
    CALL_ASK = "call_ask"
    SOCIAL_ASK = "social_ask"
    THANK_YOU = "thank_you"
    OUTREACH = "outreach"
    REPLY = "reply"
    APPROVAL = "approval"
    MENTION = "mention"
    CASE_STUDY = "case_study"


@strawberry.enum
class TaskStatus(Enum):
    OPEN = "open"
    DONE = "done"


@strawberry.enum(description="How a task ended. Call and DM asks: ASKED (the ask counts as sent), "
                             "DECLINED or NOT_REACHED; every other task: DONE.")
class TaskOutcome(Enum):
    DONE = "done"
    ASKED = "asked"
    DECLINED = "declined"
    NOT_REACHED = "not_reached"


@node_kind("tasks:read",
           lambda actor, ids: _rows(domain.list_tasks(actor, domain.TaskFilter(), PageRequest.only(ids))))
@strawberry.type(name="Task", description="Work for a person, with its script or context.")
class TaskType(Node):
    title: str
    body: str = strawberry.field(description="The script (call, DM) or the context.")
    link: str
    assignee: str
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field
    def kind(self) -> TaskKind:
        return TaskKind(self.kind)  # type: ignore[attr-defined]  (self: the domain's row)

    @strawberry.field
    def status(self) -> TaskStatus:
        return TaskStatus(self.status)  # type: ignore[attr-defined]

    @strawberry.field
    def outcome(self) -> TaskOutcome | None:
        return TaskOutcome(self.outcome) if self.outcome else None  # type: ignore[attr-defined]

    @strawberry.field
    def product_id(self) -> strawberry.ID | None:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def customer_id(self) -> strawberry.ID | None:
        return global_id("Customer", self.customer)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def review_id(self) -> strawberry.ID | None:
        return global_id("Review", self.review)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def ask_id(self) -> strawberry.ID | None:
        return global_id("Ask", self.ask)  # type: ignore[attr-defined,return-value]


@strawberry.input
class TaskFilter:
    kinds: list[TaskKind] | None = None
    status: TaskStatus | None = None
    assignee: str | None = None
    product_id: strawberry.ID | None = None


AssignTaskError = user_error_type("AssignTask", ["NOT_FOUND", "TOO_LONG"])
CompleteTaskError = user_error_type("CompleteTask", ["NOT_FOUND", "ALREADY_DONE", "INVALID_OUTCOME",
                                                   "APPROVE_INSTEAD"])


@strawberry.type
class AssignTaskPayload:
    task: TaskType | None
    user_errors: list[AssignTaskError]  # type: ignore[valid-type]


@strawberry.type
class CompleteTaskPayload:
    task: TaskType | None
    user_errors: list[CompleteTaskError]  # type: ignore[valid-type]


@strawberry.type
class TaskQueries:
    @strawberry.field(permission_classes=[needs("tasks:read")])
    async def tasks(self, info: Info, first: int | None = None, after: str | None = None,
                    last: int | None = None, before: str | None = None,
                    filter: TaskFilter | None = None) -> Connection[TaskType]:
        flt = filter or TaskFilter()
        if flt.kinds is not None and len(flt.kinds) > len(TaskKind):
            raise ArgumentError("`filter.kinds` names each kind at most once.")
        domain_filter = domain.TaskFilter(
            kinds=[k.value for k in flt.kinds] if flt.kinds else None,
            status=flt.status.value if flt.status else None,
            assignee=search_text(flt.assignee, "filter.assignee"),
            product_id=decode_id(flt.product_id, "productId", "Product"))
        actor = info.context.actor
        page = await paginate(lambda page: domain.list_tasks(actor, domain_filter, page),
                              first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class TaskMutations:
    @strawberry.mutation(permission_classes=[needs("tasks:write")])
    async def assign_task(self, info: Info, id: strawberry.ID, assignee: str) -> AssignTaskPayload:
        outcome = await domain.assign_task(info.context.actor, decode_id(id, "id", "Task"), assignee)
        return AssignTaskPayload(task=outcome.value,
                                 user_errors=map_errors(AssignTaskError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("tasks:write")],
                         description="Done, with how it went; a call or DM ask's ASKED makes its "
                                     "ask count as sent.")
    async def complete_task(self, info: Info, id: strawberry.ID,
                            outcome: TaskOutcome) -> CompleteTaskPayload:
        result = await domain.complete_task(info.context.actor, decode_id(id, "id", "Task"), outcome.value)
        return CompleteTaskPayload(task=result.value,
                                   user_errors=map_errors(CompleteTaskError, result.errors))
