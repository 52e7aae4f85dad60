async def test_public_catalogue_lists_the_eight_platforms(gql):
    data = await gql.data("{ reviewPlatforms(first: 20) { nodes { key vendorMayAsk } } }")
    keys = {n["key"]: n["vendorMayAsk"] for n in data["reviewPlatforms"]["nodes"]}
    assert len(keys) == 8
    assert keys["product_hunt"] is False
