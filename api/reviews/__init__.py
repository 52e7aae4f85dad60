"""Reviews over GraphQL (import, read) and the signed review webhook."""
