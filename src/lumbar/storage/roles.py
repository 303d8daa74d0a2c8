"""Account roles and API key scopes: names only, so that the command line's help can list
them without importing the database stack."""

ROLES = ("patient", "clinician", "admin", "integration")
PERSON_ROLES = ("patient", "clinician", "admin")  # people who sign in with a password
CLINIC_ROLES = ("clinician", "integration")  # accounts that act for one clinic
SCOPES = (
    "patients:read",
    "patients:write",
    "assessments:read",
    "assessments:write",
    "interviews:read",
    "interviews:write",
    "diary:read",
    "diary:write",
    "queue:read",
)
