"""Parsing and validation are cached across requests (a miss costs ~20% of a small query)."""

from strawberry.extensions.validation_cache import _get_validate_cache


async def test_repeated_queries_hit_the_validation_cache(gql, make_token):
    client = gql.as_token(await make_token("customers:read"))
    cache = _get_validate_cache(512)
    query = "{ customers(first: 3) { nodes { id email } } }"
    await client.data(query)
    before = cache.cache_info()
    for _ in range(3):
        await client.data(query)
    after = cache.cache_info()
    assert after.hits - before.hits == 3
    assert after.misses == before.misses
