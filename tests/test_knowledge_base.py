"""The packaged knowledge base is complete, consistent and cited."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from lumbar.kb.check import check_knowledge_base
from lumbar.kb.loader import (
    KnowledgeBase,
    KnowledgeBaseError,
    default_data_dir,
    load_knowledge_base,
)


def test_check_finds_no_errors(kb: KnowledgeBase, shared_dir: Path | None) -> None:
    problems = check_knowledge_base(kb, shared_dir)
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_seed_quotes_are_checked_when_seeds_are_present(shared_dir: Path | None) -> None:
    if shared_dir is None:
        pytest.skip("shared/ is not beside the repository")
    assert (shared_dir / "seeds").is_dir()


def test_every_vocabulary_id_is_covered(kb: KnowledgeBase) -> None:
    assert {f.id for f in kb.vocabulary.findings} == set(kb.findings)
    assert {c.id for c in kb.vocabulary.conditions} == set(kb.conditions)
    assert set(kb.texts.findings) == set(kb.findings)
    assert set(kb.texts.conditions) == set(kb.conditions)


def test_every_condition_is_richly_described(kb: KnowledgeBase) -> None:
    for condition in kb.conditions.values():
        assert len(condition.data.likelihoods) >= 6, condition.id
        assert condition.data.specialists and condition.data.tests, condition.id


def test_sex_specific_conditions_have_zero_prior_for_the_other_sex(kb: KnowledgeBase) -> None:
    for cid in ("prostatitis",):
        assert not any(kb.priors.priors[cid].female)
    for cid in (
        "pregnancy_related_lbp",
        "ectopic_pregnancy",
        "placental_abruption",
        "preterm_labor",
        "pelvic_inflammatory_disease",
        "endometriosis_dysmenorrhea",
    ):
        assert not any(kb.priors.priors[cid].male), cid


def _copy_kb(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def test_check_reports_a_misquoted_seed(tmp_path: Path, shared_dir: Path | None) -> None:
    if shared_dir is None:
        pytest.skip("shared/ is not beside the repository")
    data = _copy_kb(tmp_path)
    path = data / "citations" / "core.yaml"
    citations = yaml.safe_load(path.read_text(encoding="utf-8"))
    seed_citation = next(c for c in citations if "seed" in c)
    seed_citation["quote"] = "a sentence that no seed contains"
    path.write_text(yaml.safe_dump(citations, allow_unicode=True), encoding="utf-8")
    problems = check_knowledge_base(load_knowledge_base(data), shared_dir)
    assert any(seed_citation["id"] in p.where and "quote not found" in p.message for p in problems)


def test_check_reports_a_probability_distribution_that_does_not_sum_to_one(tmp_path: Path) -> None:
    data = _copy_kb(tmp_path)
    path = data / "findings.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "mild: 0.30, moderate: 0.50", "mild: 0.60, moderate: 0.50"
    )
    path.write_text(text, encoding="utf-8")
    problems = check_knowledge_base(load_knowledge_base(data), None)
    assert any("pain_severity" in p.where and "sums to" in p.message for p in problems)


def test_loading_rejects_a_condition_outside_the_vocabulary(tmp_path: Path) -> None:
    data = _copy_kb(tmp_path)
    path = data / "conditions" / "extra.yaml"
    path.write_text(
        "- {id: not_a_condition, urgency: self_care, specialists: [general_practitioner],"
        " tests: [urinalysis], cite: [core-never-undertriage], likelihoods: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match="not_a_condition"):
        load_knowledge_base(data)


def test_every_assessment_carries_the_kb_version(kb: KnowledgeBase) -> None:
    from lumbar.engine import assess

    assert assess({"age": 40, "sex": "male"}).kb_version == kb.version


def _edit_treatments(data: Path, edit: dict[str, dict[str, object]]) -> None:
    """Change or drop (value None) fields of treatments in the copied catalogue."""
    for path in (data / "treatments").glob("*.yaml"):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in entries:
            for field, value in edit.get(entry["id"], {}).items():
                if value is None:
                    entry.pop(field, None)
                else:
                    entry[field] = value
        path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def test_check_requires_a_line_and_keeps_first_line_to_what_a_person_may_start(
    tmp_path: Path,
) -> None:
    data = _copy_kb(tmp_path)
    _edit_treatments(
        data,
        {
            "walking": {"line": None},
            "ketorolac": {"line": "first"},  # prescription only
            "paracetamol": {"line": "first"},  # not recommended
            "arnica_by_mouth": {"line": "second"},  # unsafe
            "codeine": {"line_reason": None},
            "tizanidine": {"line_cite": ["no-such-citation"]},
        },
    )
    problems = {(p.where, p.message) for p in check_knowledge_base(load_knowledge_base(data))}
    assert ("treatments.walking", "needs `line`: first, second or restricted") in problems
    assert (
        "treatments.ketorolac",
        "`line: first` cannot be a prescription-only medicine",
    ) in problems
    assert any(
        where == "treatments.paracetamol" and "needs evidence recommended" in message
        for where, message in problems
    )
    assert (
        "treatments.arnica_by_mouth",
        "an unsafe treatment must be `line: restricted`",
    ) in problems
    assert any(
        where == "treatments.codeine" and "needs `line_reason`" in message
        for where, message in problems
    )
    assert (
        "treatments.tizanidine.line_cite",
        "cites unknown citation 'no-such-citation'",
    ) in problems


def test_loading_rejects_a_line_that_is_not_first_second_or_restricted(tmp_path: Path) -> None:
    data = _copy_kb(tmp_path)
    _edit_treatments(data, {"ibuprofen": {"line": "third"}})
    with pytest.raises(KnowledgeBaseError, match="line"):
        load_knowledge_base(data)


def test_loading_reports_every_schema_error_with_its_file_line_and_id(tmp_path: Path) -> None:
    data = _copy_kb(tmp_path)
    _edit_treatments(data, {"ibuprofen": {"line": "third"}})
    rules = data / "red_flags.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(
        text.replace(
            "- id: rf_haematuria\n  level: consultation\n", "- id: rf_haematuria\n  level: soon\n"
        ),
        encoding="utf-8",
    )
    line = text.splitlines().index("- id: rf_haematuria") + 2  # the `level:` line
    with pytest.raises(KnowledgeBaseError) as raised:
        load_knowledge_base(data)
    problems = raised.value.problems
    assert any(
        p.startswith(f"red_flags.yaml:{line}: entry 'rf_haematuria', level:") for p in problems
    ), problems
    assert any(
        re.match(r"treatments/medicines\.yaml:\d+: entry 'ibuprofen', line:", p) for p in problems
    ), problems
    assert str(raised.value).startswith(f"{len(problems)} problems in the knowledge base")
