"""Domain events: what happened, written in the transaction of the change that caused it, read
as a durable, ordered feed a client resumes from a cursor (events.py)."""
