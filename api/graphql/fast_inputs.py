"""Batch inputs built in one step instead of field by field.

Strawberry turns each input object into its dataclass through `convert_argument`, which resolves
every field's type and GraphQL name again for every item: for one `recordSignals` of 5,000
signals that was most of the request (issue 16). `StrawberryObjectDefinition.from_input` is
Strawberry's hook for input types that build their own value; `built_directly` installs one
planned once per type: for each field its GraphQL name, its Python name and how to convert it —
nothing for a scalar or an enum (graphql-core has already parsed it into its Python value, as
Strawberry leaves it), Strawberry's own conversion (`InputContext.convert`) for anything else
(nested inputs, lists of them). A field the client omitted gets the dataclass's default, or None
as Strawberry gives it. tests/core/test_fast_inputs.py compares the result with Strawberry's own conversion.
"""

from __future__ import annotations

from dataclasses import MISSING

from strawberry.scalars import is_scalar
from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.utils.str_converters import to_camel_case

KEEP = "keep"  # a scalar: kept as graphql-core coerced it


def _plan(field, scalar_registry) -> tuple[str, str, object, bool]:
    type_ = field.type
    inner = type_.of_type if isinstance(type_, StrawberryOptional) else type_
    if isinstance(inner, StrawberryEnumDefinition) or has_enum_definition(inner) or is_scalar(
            inner, scalar_registry):
        how: object = KEEP
    else:
        how = type_  # a nested input, a list…: Strawberry converts it
    implicit_none = field.default is MISSING and field.default_factory is MISSING
    return field.graphql_name or to_camel_case(field.python_name), field.python_name, how, implicit_none


def built_directly(cls):
    """Class decorator for an @strawberry.input type (written above @strawberry.input)."""
    definition = cls.__strawberry_definition__
    if not definition.is_input:
        raise TypeError(f"{cls.__name__} is not an input type")
    plans: list | None = None

    def from_input(target, value, context):
        nonlocal plans
        if plans is None:  # field types resolve lazily (forward references): plan at first use
            plans = [_plan(field, context.scalar_registry) for field in definition.fields]
        kwargs = {}
        for graphql_name, python_name, how, implicit_none in plans:
            if graphql_name in value:
                item = value[graphql_name]
                if item is None or how is KEEP:
                    kwargs[python_name] = item
                else:
                    kwargs[python_name] = context.convert(item, how, graphql_name)
            elif implicit_none:
                kwargs[python_name] = None
        return target(**kwargs)

    definition.from_input = from_input
    return cls
