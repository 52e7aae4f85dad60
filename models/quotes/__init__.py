"""Quotes out: quotes and consent (tables.py), curation rules, the reviewer's consent by mail
and page, the public showcase, social cards and the curation desk."""
