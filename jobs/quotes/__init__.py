"""Quotes jobs: the consent request mail."""
