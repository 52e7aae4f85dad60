"""Domain events over GraphQL: the ordered, resumable feed."""
