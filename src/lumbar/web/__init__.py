"""The web app: server-rendered pages around the engine and the records (docs/web.md)."""
