"""Tests of the asking domain."""
