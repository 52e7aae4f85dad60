"""Campaign settings as typed GraphQL objects: what goes in comes back, errors name input fields."""

import pytest

from tests.asking.fixtures import EN, FR
from tests.ids import gid

FIELDS = """id status triggerKind triggerSignal channel cooldownDays
  audience { plans countries regions locales minTenureDays maxTenureDays }
  sampling { rule share n seed }
  templates { locale subject body }
  routing { strategy platforms fixed weights { platform weight } }
  pacing { maxPerHour maxPerDay businessHoursStart businessHoursEnd businessDays jitterMinutes }
  followUp { count afterDays }
  incentive { description }"""
CREATE = f"""mutation($i: CampaignInput!) {{ createCampaign(input: $i) {{
  campaign {{ {FIELDS} }} userErrors {{ field code message }} }} }}"""
UPDATE = f"""mutation($id: ID!, $i: CampaignInput!) {{ updateCampaign(id: $id, input: $i) {{
  campaign {{ {FIELDS} }} userErrors {{ field code message }} }} }}"""


@pytest.fixture
async def client(gql, make_token):
    return gql.as_token(await make_token("campaigns:read", "campaigns:write"))


def full_input(world):
    return {
        "productId": gid("Product", world["product"].id), "name": "Typed",
        "triggerKind": "SIGNAL", "triggerSignal": "UPGRADED", "channel": "EMAIL",
        "senderId": gid("Sender", world["sender"].id), "cooldownDays": 90,
        "audience": {"plans": ["growth"], "countries": ["FR"], "regions": ["EU"],
                     "locales": ["FR", "EN"], "minTenureDays": 30, "maxTenureDays": 900},
        "sampling": {"rule": "SHARE", "share": 0.25, "seed": 7},
        "templates": [{"locale": "EN", **EN}, {"locale": "FR", **FR}],
        "routing": {"strategy": "WEIGHTED", "platforms": ["g2", "capterra"],
                    "weights": [{"platform": "g2", "weight": 2}, {"platform": "capterra", "weight": 1}]},
        "pacing": {"maxPerHour": 10, "maxPerDay": 40, "businessHoursStart": 8, "businessHoursEnd": 18,
                   "businessDays": ["MONDAY", "WEDNESDAY"], "jitterMinutes": 5},
        "followUp": {"count": 2, "afterDays": 4},
        "incentive": {"description": "A 10 € gift card for every review, whatever it says."},
    }


async def test_every_setting_round_trips_typed(client, world):
    created = (await client.data(CREATE, {"i": full_input(world)}))["createCampaign"]
    assert created["userErrors"] == []
    campaign = created["campaign"]
    assert (campaign["status"], campaign["triggerKind"], campaign["triggerSignal"], campaign["channel"]) \
        == ("DRAFT", "SIGNAL", "UPGRADED", "EMAIL")
    assert campaign["audience"] == {"plans": ["growth"], "countries": ["FR"], "regions": ["EU"],
                                    "locales": ["FR", "EN"], "minTenureDays": 30, "maxTenureDays": 900}
    assert campaign["sampling"] == {"rule": "SHARE", "share": 0.25, "n": None, "seed": 7}
    assert [t["locale"] for t in campaign["templates"]] == ["EN", "FR"]
    assert campaign["templates"][1]["subject"] == FR["subject"]
    assert campaign["routing"] == {"strategy": "WEIGHTED", "platforms": ["g2", "capterra"], "fixed": None,
                                   "weights": [{"platform": "capterra", "weight": 1.0},
                                               {"platform": "g2", "weight": 2.0}]}
    assert campaign["pacing"] == {"maxPerHour": 10, "maxPerDay": 40, "businessHoursStart": 8,
                                  "businessHoursEnd": 18, "businessDays": ["MONDAY", "WEDNESDAY"],
                                  "jitterMinutes": 5}
    assert campaign["followUp"] == {"count": 2, "afterDays": 4} and campaign["cooldownDays"] == 90
    assert campaign["incentive"]["description"].startswith("A 10 €")


async def test_defaults_are_shown_as_the_domain_applies_them(client, world):
    minimal = {"productId": gid("Product", world["product"].id), "name": "Defaults",
               "triggerKind": "SIGNAL", "triggerSignal": "RENEWED"}
    campaign = (await client.data(CREATE, {"i": minimal}))["createCampaign"]["campaign"]
    assert campaign["sampling"]["rule"] == "EVERYONE" and campaign["routing"]["strategy"] == "NEED"
    assert campaign["pacing"] == {"maxPerHour": 50, "maxPerDay": 300, "businessHoursStart": 9,
                                  "businessHoursEnd": 17, "jitterMinutes": 20, "businessDays": [
                                      "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}
    assert campaign["followUp"] == {"count": 1, "afterDays": 5} and campaign["incentive"] is None
    assert campaign["audience"]["plans"] == [] and campaign["templates"] == []


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"pacing": {"maxPerHour": 0}}, ["pacing", "maxPerHour"], "INVALID_PACING"),
    ({"pacing": {"businessHoursStart": 18, "businessHoursEnd": 8}}, ["pacing", "businessHoursStart"],
     "INVALID_PACING"),
    ({"pacing": {"businessDays": []}}, ["pacing", "businessDays"], "INVALID_PACING"),
    ({"followUp": {"count": 5, "afterDays": 3}}, ["followUp", "count"], "INVALID_FOLLOW_UP"),
    ({"followUp": {"count": 1, "afterDays": 0}}, ["followUp", "afterDays"], "INVALID_FOLLOW_UP"),
    ({"sampling": {"rule": "SHARE", "share": 2}}, ["sampling", "share"], "INVALID_SAMPLING"),
    ({"sampling": {"rule": "EVERY_NTH"}}, ["sampling", "n"], "INVALID_SAMPLING"),
    ({"routing": {"strategy": "FIXED"}}, ["routing", "fixed"], "INVALID_ROUTING"),
    ({"routing": {"strategy": "WEIGHTED", "weights": [{"platform": "g2", "weight": 0}]}},
     ["routing", "weights"], "INVALID_ROUTING"),
    ({"audience": {"minTenureDays": 90, "maxTenureDays": 30}}, ["audience", "minTenureDays"],
     "INVALID_AUDIENCE_RULE"),
    ({"incentive": {"description": " "}}, ["incentive"], "INVALID_INCENTIVE"),
    ({"triggerKind": "ONE_OFF", "triggerSignal": "RENEWED"}, ["triggerSignal"], "INVALID_TRIGGER"),
])
async def test_validation_errors_name_the_input_fields(client, world, change, field, code):
    created = (await client.data(CREATE, {"i": full_input(world)}))["createCampaign"]["campaign"]
    payload = (await client.data(UPDATE, {"id": created["id"], "i": change}))["updateCampaign"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert payload["campaign"] is None


async def test_enum_inputs_refuse_unknown_values_before_execution(client, world):
    body = await client(CREATE, {"i": {**full_input(world), "channel": "pigeon"}})
    assert body["data"] is None and "Channel" in body["errors"][0]["message"]
    body = await client(CREATE, {"i": {**full_input(world), "triggerSignal": "NPS_ANSWER"}})
    assert body["data"] is None and "TriggerSignal" in body["errors"][0]["message"]
