"""A minimal HTTP receiver for the webhooks benchmark, run as its own process (uvicorn +
httptools): answers 204 to every POST, counts them, and keeps each arrival's time and webhook-id.
GET /stats returns them; POST /reset forgets them."""

from __future__ import annotations

import json
import sys
import time

STATE = {"count": 0, "arrivals": []}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    path, method = scope["path"], scope["method"]
    body = b""
    if method == "GET" and path == "/stats":
        body = json.dumps(STATE).encode()
    elif method == "POST" and path == "/reset":
        STATE["count"], STATE["arrivals"] = 0, []
    elif method == "POST":
        STATE["count"] += 1
        webhook_id = next((v.decode() for k, v in scope["headers"] if k == b"webhook-id"), "")
        STATE["arrivals"].append([webhook_id, time.time()])
    await send({"type": "http.response.start", "status": 200 if body else 204,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", http="httptools",
                lifespan="off", access_log=False)
