"""The REST API (FastAPI): stateless assessment, records, diary, programme, accounts."""
