"""Tests of the core domain (and the GraphQL/HTTP boundary shared by all)."""
