"""Asking over GraphQL and HTTP: campaigns, asks, and the tracked-click and unsubscribe links."""
