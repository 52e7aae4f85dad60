"""`plaudit create-token` gives what an integration needs: the bearer secret and the webhook
signing secret (a CLI-made token could not sign webhooks before)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from models.access.tokens import ApiToken, hash_secret
from models.access.webhooks import sign, verify


def plaudit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True,
                          env={**os.environ, "PLAUDIT_LOG_FORMAT": "text"}, timeout=120, check=True)


async def test_create_token_prints_both_secrets(product):
    plain = plaudit("create-token", "--name", "crm", "--scopes", "reviews:write", "--product", "ledger")
    secret = plain.stdout.strip()
    assert secret.startswith("pld_") and "\n" not in secret
    signing = plain.stderr.rsplit(": ", 1)[1].strip()
    token = await ApiToken.objects().get(ApiToken.secret_hash == hash_secret(secret))
    assert token.product == product.id
    body = b'{"reviews": []}'
    verdict = await verify(token.prefix, sign(signing, int(time.time()), body), body, "reviews:write")
    assert verdict.actor is not None  # the printed key signs webhooks for this token

    issued = json.loads(plaudit("create-token", "--name", "site", "--scopes", "showcase:read",
                                "--json").stdout)
    assert issued["secret"].startswith("pld_") and len(issued["signingSecret"]) == 64
