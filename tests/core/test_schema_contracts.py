"""Contracts between code, committed artefacts and the database."""

from pathlib import Path

from strawberry.types.base import StrawberryObjectDefinition

from api.graphql.schema import schema
from models.piccolo_app import TABLES

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_graphql_matches_the_code():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema.as_str() + "\n", (
        "schema.graphql is out of date: run `plaudit export-schema` and commit it.")


def _permission_classes(field) -> list:
    from strawberry.permission import PermissionExtension

    found = list(getattr(field, "permission_classes", []) or [])
    for ext in field.extensions:
        if isinstance(ext, PermissionExtension):
            found += [type(p) for p in ext.permissions]
    return found


def _object_types():
    for type_def in schema.schema_converter.type_map.values():
        definition = type_def.definition
        if isinstance(definition, StrawberryObjectDefinition) and not definition.is_input:
            yield definition


def test_every_root_field_declares_a_permission():
    missing = []
    for root in (schema.query, schema.mutation):
        definition = root.__strawberry_definition__
        for field in definition.fields:
            if not _permission_classes(field):
                missing.append(f"{definition.name}.{field.python_name}")
    assert not missing, f"Root fields without a permission class: {missing}"


def test_every_field_crossing_into_another_domain_declares_a_permission():
    """A field returning another domain's object type needs that domain's scope.

    Scalars and the domain's own value objects inherit the scope of the root field
    that reached them; connections and payloads are plumbing of the root field.
    """
    own = {  # type name -> types it may return without a scope of their own
        "PlatformProfile": {"ReviewPlatform", "RatingSnapshot"},
    }
    domains = {"Customer", "Signal", "Product", "PlatformProfile", "Sender", "ApiToken"}
    missing = []
    for definition in _object_types():
        if definition.name not in domains:
            continue
        for field in definition.fields:
            target = getattr(field.type, "of_type", field.type)
            target = getattr(target, "of_type", target)
            target_def = getattr(target, "__strawberry_definition__", None)
            if target_def is None or target_def.name == definition.name:
                continue
            if target_def.name in own.get(definition.name, set()):
                continue
            if target_def.name in domains and not _permission_classes(field):
                missing.append(f"{definition.name}.{field.python_name} -> {target_def.name}")
    assert not missing, f"Cross-domain fields without a permission class: {missing}"


async def test_piccolo_tables_match_the_migrated_schema(database):
    rows = await TABLES[0].raw(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public'")
    in_db: dict[str, dict[str, bool]] = {}
    for row in rows:
        in_db.setdefault(row["table_name"], {})[row["column_name"]] = row["is_nullable"] == "YES"
    # Set by the database alone, never read or written through the ORM: the writing
    # transaction's id, which orders the event feed (models/events/events.py).
    database_only = {("domain_event", "tx"), ("webhook_endpoint", "since_tx")}
    for table, column in database_only:
        in_db[table].pop(column)
    for table in TABLES:
        name = table._meta.tablename
        declared = {c._meta.db_column_name: c._meta.null for c in table._meta.columns}
        assert name in in_db, f"{name} is not in the database"
        assert declared == in_db[name], f"{name}: tables.py and schema.sql disagree"


async def test_database_refuses_statuses_outside_the_choices(database, product):
    import asyncpg
    import pytest

    from models.people.customers import Customer

    with pytest.raises(asyncpg.CheckViolationError):
        await Customer.insert(Customer(product=product.id, external_id="x", email="a@b.co",
                                       locale="de"))
    with pytest.raises(asyncpg.CheckViolationError):
        await Customer.insert(Customer(product=product.id, external_id="y", email="a@b.co",
                                       email_status="banana"))
