"""The HTTP composition root: `server.app` builds one FastAPI application from the REST API
(`lumbar.api`) and the web app (`lumbar.web`), which never import each other;
`server.deps` holds what both use per request (the database session, the caller, the
language, the request id) and `server.fields` the limits of fields both accept."""
