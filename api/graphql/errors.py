"""userErrors: one code enum per mutation, mapped from the domain's UserError."""

from enum import Enum

import strawberry

from models.core.results import UserError as DomainUserError


@strawberry.interface(description="A problem the caller can fix; nothing was written.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault, e.g. [\"customers\", \"3\", \"email\"].")
    message: str


def user_error_type(mutation: str, codes: list[str]) -> type:
    """Build `<Mutation>ErrorCode` and `<Mutation>UserError` for one mutation."""
    code_enum = strawberry.enum(Enum(f"{mutation}ErrorCode", {c: c for c in codes}))

    @strawberry.type(name=f"{mutation}UserError")
    class MutationUserError(UserError):
        code: code_enum  # type: ignore[valid-type]

    MutationUserError.codes = frozenset(codes)
    MutationUserError.code_enum = code_enum
    return MutationUserError


def _camel(part: str) -> str:
    # Domain paths may name stored keys (pacing.max_per_hour); clients know the input's names.
    head, *rest = part.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def map_errors(error_type: type, errors: list[DomainUserError]) -> list:
    mapped = []
    for error in errors:
        if error.code not in error_type.codes:
            # A domain code the schema does not declare is a bug, not a user error.
            raise RuntimeError(f"{error_type.__name__} has no code {error.code}")
        mapped.append(error_type(field=[_camel(str(p)) for p in error.field] or None,
                                 message=error.message,
                                 code=error_type.code_enum[error.code]))
    return mapped
