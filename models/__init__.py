"""Plaudit's domain: Piccolo tables and the rules over them.

Nothing in this package imports Litestar, Strawberry, arq or Piccolo Admin;
the adapters in api/, jobs/ and admin/ call into it.
"""
