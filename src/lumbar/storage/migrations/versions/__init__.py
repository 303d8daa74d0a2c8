"""Migration scripts, one per revision, oldest first."""
