"""Scoring lumbar on vignette sets (shared/spec/vignettes.md)."""
