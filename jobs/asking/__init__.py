"""Asking jobs: sending touches (and the dispatcher), running campaigns, test sends."""
