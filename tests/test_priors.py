"""The priors agree with their own anchors and rise with age where the literature says so."""

from __future__ import annotations

from lumbar.engine.model import default_model

KB = default_model().kb
PRIORS = KB.priors.priors
BANDS = range(len(KB.priors.age_bands))
NON_SPECIFIC = (
    "nonspecific_lbp",
    "lumbar_strain",
    "degenerative_disc_disease",
    "facet_spondylosis",
)
SERIOUS_SPINAL = (
    "vertebral_fracture",
    "spinal_malignancy",
    "spinal_infection",
    "cauda_equina_syndrome",
)


def share(ids: tuple[str, ...], sex: str, band: int) -> float:
    total = sum(getattr(row, sex)[band] for row in PRIORS.values())
    return sum(getattr(PRIORS[cid], sex)[band] for cid in ids) / total


def test_non_specific_pain_dominates_and_serious_spinal_pathology_is_rare_below_60() -> None:
    """priors.yaml: non-specific pain (with strain, degenerative and facet pain, which NICE
    counts as non-specific) is most presentations; serious spinal pathology about 1-3%
    before 60 (Jarvik and Deyo 2002; Henschke 2009). lumbar also serves flank and
    shoulder-blade pain, so visceral causes take a larger share than in a spine clinic."""
    for sex in ("female", "male"):
        for band in (0, 1, 2):
            assert share(NON_SPECIFIC, sex, band) >= 0.65
            assert share(SERIOUS_SPINAL, sex, band) <= 0.03


def rises(cid: str, sex: str, start: int) -> bool:
    values = getattr(PRIORS[cid], sex)
    return all(values[b] < values[b + 1] for b in range(start, len(values) - 1))


def test_serious_causes_rise_with_age() -> None:
    """Myeloma and metastasis rise from 50-60, aneurysm from 60-65 in men, osteoporotic
    fracture in women from 65."""
    for sex in ("female", "male"):
        assert rises("spinal_malignancy", sex, 0)
    assert rises("aortic_aneurysm", "male", 0)
    values = PRIORS["aortic_aneurysm"].male
    assert values[3] >= 3 * values[2]
    fracture = PRIORS["vertebral_fracture"].female
    assert fracture[3] >= 3 * fracture[2] and fracture[4] > fracture[3]
