"""The result page over HTTP: a patient is offered first-line care only (issues 12 and 14)."""

from __future__ import annotations

import html
import json
import re

import httpx

from lumbar.kb.loader import default_knowledge_base

STRAIN = {
    "age": 40,
    "sex": "male",
    "loc_lower_back_central": True,
    "onset_after_lifting": True,
    "duration": "days",
    "worse_with_movement": True,
    "muscle_spasm": True,
    "pain_severity": 6,
    "fever": False,
    "bladder_dysfunction": False,
    "saddle_anesthesia": False,
}
NOT_FOR_PATIENTS = ("ketorolac", "nimesulide", "indomethacin", "lornoxicam", "etoricoxib")


def _result_page(url: str) -> str:
    """The result page a visitor sees on finishing an interview with STRAIN's answers."""
    with httpx.Client(base_url=url, timeout=30) as client:
        found = re.search(r'name="csrf" value="([^"]+)"', client.get("/interview").text)
        assert found is not None
        state = json.dumps({"answers": STRAIN, "steps": [[fid] for fid in STRAIN]})
        reply = client.post(
            "/interview", data={"csrf": found.group(1), "state": state, "action": "finish"}
        )
    assert reply.status_code == 200, reply.text[:500]
    return html.unescape(reply.text)


def test_the_result_page_offers_a_strain_first_line_care_only(web_server: str) -> None:
    kb = default_knowledge_base()
    ui = kb.texts.ui
    page = _result_page(web_server)
    start = page.index(ui["care_options_heading"].en)
    options = page[start : page.index('class="second-line"', start)]
    assert kb.texts.drug_classes["nsaid"].name.en in options
    for tid in NOT_FOR_PATIENTS:
        treatment = kb.treatments[tid]
        for name in (treatment.text.name.en, *treatment.names):
            assert name not in page, (tid, name)
    for drug_class in ("weak_opioid", "skeletal_muscle_relaxant", "nsaid_cox2_selective"):
        assert kb.texts.drug_classes[drug_class].name.en not in options, drug_class
    second = page[page.index('class="second-line"') :].split("</p>")[0]
    assert "a doctor may consider: " in second and "weak opioid painkillers" in second
