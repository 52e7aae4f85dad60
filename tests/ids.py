"""Global ids, as the API issues them, for rows a test made directly."""

from api.graphql.relay import from_global_id, to_global_id


def gid(type_name: str, row_id: int) -> str:
    return to_global_id(type_name, row_id)


def row_id(global_id: str) -> int:
    found = from_global_id(global_id)
    assert found is not None, global_id
    return found[1]
