"""Event jobs: webhook fan-out and delivery."""
