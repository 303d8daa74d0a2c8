"""Evaluation of red-flag rule expressions on known answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from lumbar.engine.answers import AnswerValue
from lumbar.kb.models import AllOf, AnyOf, AtLeast, Expr, FindingIs


def atom_holds(atom: str | FindingIs, answers: Mapping[str, AnswerValue]) -> bool:
    """Whether one finding atom is satisfied; an unknown answer satisfies only an atom marked
    `or_unknown` (a context choice, never a danger sign)."""
    if isinstance(atom, str):
        return answers.get(atom) is True
    value = answers.get(atom.finding)
    if value is None:
        return atom.or_unknown
    if atom.min is not None:
        return not isinstance(value, bool | str) and value >= atom.min
    if atom.in_ is not None:
        return isinstance(value, str) and value in atom.in_
    return value is True


def atoms(expr: Expr) -> Iterator[str | FindingIs]:
    """Every finding atom in an expression."""
    if isinstance(expr, str | FindingIs):
        yield expr
    elif isinstance(expr, AllOf):
        for part in expr.all:
            yield from atoms(part)
    elif isinstance(expr, AnyOf):
        for part in expr.any:
            yield from atoms(part)
    elif isinstance(expr, AtLeast):
        for part in expr.of:
            yield from atoms(part)


def atom_finding(atom: str | FindingIs) -> str:
    """The finding id an atom tests."""
    return atom if isinstance(atom, str) else atom.finding


Predicate = Callable[[Mapping[str, AnswerValue]], bool]


def compile_expression(expr: Expr) -> Predicate:
    """The rule expression as a predicate on known answers (see `atom_holds` for unknowns)."""
    if isinstance(expr, str):
        name = expr
        return lambda answers: answers.get(name) is True
    if isinstance(expr, FindingIs):
        atom = expr
        return lambda answers: atom_holds(atom, answers)
    if isinstance(expr, AllOf):
        parts = tuple(compile_expression(part) for part in expr.all)
        return lambda answers: all(part(answers) for part in parts)
    if isinstance(expr, AnyOf):
        parts = tuple(compile_expression(part) for part in expr.any)
        return lambda answers: any(part(answers) for part in parts)
    parts = tuple(compile_expression(part) for part in expr.of)
    needed = expr.at_least
    return lambda answers: sum(part(answers) for part in parts) >= needed
