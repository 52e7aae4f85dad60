"""Piccolo Admin adapter: table views, audit hooks, and forms that call the domain."""
