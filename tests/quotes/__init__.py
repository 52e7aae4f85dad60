"""Tests of the quotes domain."""
