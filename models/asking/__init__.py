"""Asking for reviews: campaigns and their rules, fair selection, routing, pacing, messages,
sending, tracked clicks, asks and their touches, and the tasks asks create (tables in tables.py)."""
