"""The pure assessment engine: answers in, assessment out."""

from lumbar.engine.answers import AnswerProblem, InvalidAnswers, validate_answers
from lumbar.engine.assessment import Assessment, assess
from lumbar.engine.model import CompiledModel, compile_model, default_model

__all__ = [
    "AnswerProblem",
    "Assessment",
    "CompiledModel",
    "InvalidAnswers",
    "assess",
    "compile_model",
    "default_model",
    "validate_answers",
]
