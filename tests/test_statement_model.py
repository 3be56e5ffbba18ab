"""The statement model (kg_build/extract/statement_model.py): its features, when it finds a
statement the rules' cues miss, and that the shipped model was trained on the labelled sets as
they are now. The rationale below is fictional."""

from __future__ import annotations

import json

from kg_build.extract.criteria import read_rationale
from kg_build.extract.labelled_sets import set_digest
from kg_build.extract.statement_model import MODEL_FILE, features, states_criterion
from kg_build.text import Doc

TEXT = ("The claimant has low back pain after lifting a crate in 2021. Unequivocal objective findings of nerve "
        "compromise on examination are sufficient evidence to warrant imaging. Her examination is normal. "
        "Therefore, the lumbar MRI is not medically necessary.")
DOC = Doc(TEXT)
WARRANTED = (TEXT.index("Unequivocal"), TEXT.index(" Her"))


def _model(weights: dict[str, float], threshold: float = 0.6) -> dict:
    return {"classes": ["none", "states"], "intercepts": [0.0, -2.0], "threshold": threshold,
            "weights": {name: [0.0, w] for name, w in weights.items()}}


def test_features_name_the_words_the_opening_and_the_rules_cues():
    found = features(DOC, WARRANTED)
    assert found == sorted(found)
    assert {"w:warrant", "b:to_warrant", "f0:unequivocal", "f1:objective", "len=1"} <= set(found)
    assert "cue:case_subject" not in found and "cue:case_subject" in features(DOC, (0, TEXT.index(" Unequivocal")))


def test_a_sentence_is_a_statement_when_the_model_is_sure_enough():
    assert not states_criterion(DOC, WARRANTED, _model({}))  # 1 / (1 + e^2) = 0.12
    assert states_criterion(DOC, WARRANTED, _model({"b:to_warrant": 3.0}))  # e / (1 + e) = 0.73
    assert not states_criterion(DOC, WARRANTED, _model({"b:to_warrant": 3.0}, threshold=0.8))


def test_the_reader_takes_a_criterion_from_a_sentence_only_the_model_finds():
    span = (0, len(TEXT))
    concluding = (TEXT.index("Therefore"), len(TEXT))
    never, sure = _model({}), _model({"b:to_warrant": 3.0})
    parts, criteria = read_rationale(DOC, span, concluding, {"MRI"}, "upheld", revise=False, statements=never)
    assert [p["role"] for p in parts if p["span"][0] == WARRANTED[0]] == ["restatement"]  # the rules see no cue
    parts, found = read_rationale(DOC, span, concluding, {"MRI"}, "upheld", revise=False, statements=sure)
    assert [p["role"] for p in parts if p["span"][0] == WARRANTED[0]] == ["guideline"]
    assert any(WARRANTED[0] <= c["span"][0] < WARRANTED[1] for c in found) and len(found) > len(criteria)


def test_the_shipped_model_was_trained_on_the_labelled_sets_as_they_are():
    """Editing a labelled set without retraining (tools/train_status_model.py) fails here."""
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert model["classes"] == ["none", "states"] and 0.5 <= model["threshold"] < 1
    assert not {"labelled", "heldout2"} & set(model["trained_on"]) and "heldout13" in model["trained_on"]
    for name, digest in model["trained_on"].items():
        assert set_digest(name) == digest, name
