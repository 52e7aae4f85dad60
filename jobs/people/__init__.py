"""People jobs: the tenure-milestone derivation."""
