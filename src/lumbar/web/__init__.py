"""The web app: server-rendered pages for the interview and its results."""
