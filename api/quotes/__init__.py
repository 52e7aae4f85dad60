"""Quotes over GraphQL and HTTP: curation, consent pages, the cached public showcase, social
cards and the /demo page."""
