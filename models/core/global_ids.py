"""Global ids: the opaque strings the API and the webhooks name every object by.

base64url of `Type:row id` (the Relay convention), unpadded. Built here, in the core, because
webhook bodies (written by the worker) name objects exactly as GraphQL does.
"""

from __future__ import annotations

import base64


def to_global_id(type_name: str, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{row_id}".encode()).decode().rstrip("=")
