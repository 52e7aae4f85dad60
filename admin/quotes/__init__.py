"""Quotes in the console: the curation desk and its forms."""
