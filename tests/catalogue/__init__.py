"""Tests of the catalogue domain."""
