"""The `plaudit` command line."""
