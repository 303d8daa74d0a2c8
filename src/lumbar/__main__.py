"""`python -m lumbar` runs the command line."""

from lumbar.cli import app

app()
