"""The web app: server-rendered pages, the printable PDF report and the pain diary chart."""
