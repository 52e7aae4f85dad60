"""Access over GraphQL: API tokens (list, create, revoke)."""
