"""The schema's shape, walked: what a code generator and a partner integration rely on."""

import re

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    get_named_type,
)

from api.graphql.nodes import KINDS
from api.graphql.schema import schema

TYPES = {name: t for name, t in schema._schema.type_map.items() if not name.startswith("__")}
OBJECTS = {n: t for n, t in TYPES.items() if isinstance(t, GraphQLObjectType)}
INPUTS = {n: t for n, t in TYPES.items() if isinstance(t, GraphQLInputObjectType)}
# Closed sets are enums; a signal's `source` (the partner's system) and a platform key stay open.
ENUM_LIKE = re.compile(r"^(status|state|kind|channel|lane|severity|locale|strategy|placement)$")
# Where the shape is truly open: what a partner's own system puts in a signal.
JSON_ALLOWED = {("Signal", "payload"), ("SignalInput", "payload")}


def _fields(types):
    for type_name, graphql_type in types.items():
        for field_name, field in graphql_type.fields.items():
            yield type_name, field_name, get_named_type(field.type).name


def test_every_object_with_an_id_is_a_node_that_node_can_fetch():
    node = TYPES["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    with_id = {name for name, t in OBJECTS.items() if "id" in t.fields}
    nodes = {name for name, t in OBJECTS.items() if node in t.interfaces}
    assert with_id == nodes
    assert nodes == set(KINDS)  # each registered how node(id:) fetches it, with its scope
    for name in nodes:
        assert get_named_type(OBJECTS[name].fields["id"].type).name == "ID"


def test_no_string_where_an_enum_belongs():
    found = [(t, f) for t, f, kind in _fields({**OBJECTS, **INPUTS})
             if kind == "String" and ENUM_LIKE.match(f)]
    assert found == []


def test_arguments_are_enums_where_they_name_a_status_or_kind():
    found = []
    for type_name, graphql_type in OBJECTS.items():
        for field_name, field in graphql_type.fields.items():
            for arg_name, arg in field.args.items():
                if get_named_type(arg.type).name == "String" and ENUM_LIKE.match(arg_name):
                    found.append((type_name, field_name, arg_name))
    assert found == []


def test_json_only_where_the_shape_is_open():
    found = {(t, f) for t, f, kind in _fields({**OBJECTS, **INPUTS}) if kind == "JSON"}
    assert found == JSON_ALLOWED


def test_every_id_argument_and_reference_is_an_id():
    # A reference to another object is an ID (a global id), never an Int or a String.
    for type_name, field_name, kind in _fields({**OBJECTS, **INPUTS}):
        if field_name.endswith("Id") and not field_name.endswith(("eventId", "xternalId", "messageId")):
            assert kind == "ID", (type_name, field_name, kind)


def test_datetime_and_date_are_documented():
    for name in ("DateTime", "Date"):
        assert "ISO 8601" in (TYPES[name].description or "")
        assert TYPES[name].specified_by_url
