"""Routes without an account: health, the knowledge base version, stateless assessment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from lumbar.api import replies
from lumbar.api.errors import error_responses
from lumbar.api.presenting import assessment_view, question_view
from lumbar.api.schemas import AssessRequest
from lumbar.engine import assess, default_model
from lumbar.engine.answers import validate_answers
from lumbar.engine.interview import next_question, urgent_red_flags
from lumbar.server.deps import Lang, language

router = APIRouter(prefix="/v1", tags=["public"])


@router.get("/health", response_model=replies.Health)
def health() -> dict[str, str]:
    """The server is up; the knowledge base version it runs."""
    return {"status": "ok", "kb_version": default_model().kb.version}


@router.post("/assess", response_model=replies.StatelessAssessment, responses=error_responses(422))
def stateless_assessment(
    body: AssessRequest,
    request: Request,
    lang: Lang = None,
) -> dict[str, Any]:
    """Assess answers without storing anything: the assessment (once age and sex are known),
    the next question to ask and whether to stop. Run the whole interview by posting the
    growing answers and `asked` each time."""
    chosen = language(request, lang)
    model = default_model()
    validate_answers(model.kb, body.answers, required=())
    question = next_question(body.answers, body.asked, model)
    complete = all(body.answers.get(fid) not in (None, "unknown") for fid in ("age", "sex"))
    return {
        "assessment": assessment_view(model.kb, assess(body.answers, model), chosen)
        if complete
        else None,
        "next_question": question_view(model.kb, question, chosen),
        "should_stop": question is None,
        "urgent_red_flags": list(urgent_red_flags(body.answers, model)),
        "language": chosen,
    }
