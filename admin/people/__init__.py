"""People in the console: the erasure form."""
