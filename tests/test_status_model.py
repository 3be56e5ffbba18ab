"""The status model (kg_build/extract/status_model.py): its features, when it replaces the
rules' status, and that the shipped model was trained on the labelled sets as they are now.
The rationale fragments here are fictional."""

from __future__ import annotations

import json

from kg_build.extract.labelled_sets import set_digest
from kg_build.extract.status_model import MODEL_FILE, Trees, features, load, load_trees, probabilities, revise, tree_probabilities

CLASSES = ["met", "none", "not_assessed", "not_documented", "not_met"]
TEXT = ("Drug screening is required during opioid therapy. I find no urine drug screen in the records. "
        "Therefore, the request is not medically necessary.")
VERDICT = (TEXT.index("Therefore"), len(TEXT))


def _criterion(status: str = "not_met", evidence: str | None = "I find no urine drug screen in the records") -> dict:
    c = {"text": "Drug screening", "criterion_id": "opioids-urine-drug-screening",
         "criterion_label": "urine drug screening during opioid therapy", "status": status, "span": [0, 14]}
    if evidence:
        start = TEXT.index(evidence)
        c.update(evidence=evidence, evidence_span=[start, start + len(evidence)])
    return c


def _model(weights: dict[str, list[float]], threshold: float = 0.5, tree_weight: float = 0.0) -> dict:
    """weights: per class, in the order of CLASSES; no trees unless tree_weight."""
    return {"classes": CLASSES, "intercepts": [0.0] * 5, "threshold": threshold, "drop_threshold": 0.6,
            "drop_uncatalogued_threshold": 0.75, "tree_weight": tree_weight, "weights": weights}


def _trees(feature: str, status: str) -> Trees:
    """Trees that read one feature: present, the status; absent, met."""
    import lightgbm
    import numpy as np

    x = np.array([[1.0]] * 20 + [[0.0]] * 20)
    y = [CLASSES.index(status)] * 20 + [CLASSES.index("met")] * 20
    booster = lightgbm.train({"objective": "multiclass", "num_class": 5, "min_data_in_leaf": 1, "min_data_in_bin": 1,
                              "verbose": -1, "num_threads": 1}, lightgbm.Dataset(x, y), 20)
    return Trees(booster, {feature: 0}, 1)


def test_features_name_the_rules_status_the_decision_and_the_words():
    found = features(_criterion(), "upheld", VERDICT, TEXT)
    assert found == sorted(found)
    assert {"rs=not_met", "oc=upheld", "rs_oc=not_metupheld", "noev=0", "e:find", "not_met|e:find", "e2:no_urine",
            "c:drug", "c2:drug_screening", "cat=1", "id:opioids-urine-drug-screening", "ev_before=0", "ev_concl=0"} <= set(found)
    assert not any(f.startswith("pre:") for f in found)  # nothing stands before the first sentence
    moved = dict(_criterion(), span=[TEXT.index("urine drug"), TEXT.index(" in the records")])
    assert {"pre:i", "pre:find", "pre:no"} <= set(features(moved, None, None, TEXT))
    assert "noev=1" in features(_criterion("not_assessed", None), None, None, TEXT)
    assert {"cat=1|len=0", "how=none/", "rel=0", "facts=0"} <= set(found)  # 'Drug screening': two words; no account


def test_a_catalog_criterion_reads_the_words_of_the_rest_of_its_rationale_only():
    found = set(features(_criterion(), "upheld", VERDICT, TEXT))
    assert {"id:opioids-urine-drug-screening|a:find", "id:opioids-urine-drug-screening|a:therefore"} <= found
    assert "id:opioids-urine-drug-screening|a:screening" not in found  # its own statement is not the rest
    # in a letter, what stands outside the rationale is none of its words
    within = set(features(_criterion(), "upheld", VERDICT, TEXT, rationale=(0, VERDICT[0])))
    assert "id:opioids-urine-drug-screening|a:find" in within and "id:opioids-urine-drug-screening|a:therefore" not in within
    uncatalogued = dict(_criterion(), criterion_id="c-1234", criterion_label=None)
    assert not any("|a:" in f for f in features(uncatalogued, "upheld", VERDICT, TEXT))


def test_the_rules_account_is_a_feature_and_leaves_with_the_revision():
    account = dict(_criterion(), _how="unknown", _agreed="overturned", _relevance=7, _facts=2)
    assert {"how=unknown/overturned", "how=unknown/overturned|not_met", "rel=3", "facts=2"} <= set(
        features(account, "upheld", VERDICT, TEXT))
    [c] = revise([account], "upheld", VERDICT, TEXT, _model({}))
    assert not {"_how", "_agreed", "_relevance", "_facts"} & set(c)  # the record carries no private keys


def test_probabilities_are_a_softmax_of_the_summed_weights():
    p = probabilities(["e:find", "unknown-feature"], _model({"e:find": [0.0, 0.0, 0.0, 2.0, 0.0]}))
    assert abs(sum(p.values()) - 1) < 1e-9
    assert max(p, key=p.get) == "not_documented" and round(p["not_documented"], 3) == 0.649


def test_a_status_the_model_is_sure_of_replaces_the_rules_and_keeps_the_evidence():
    [c] = revise([_criterion()], "upheld", VERDICT, TEXT, _model({"e:find": [0.0, 0.0, 0.0, 3.0, 0.0]}))
    assert c["status"] == "not_documented"
    assert c["evidence"] == "I find no urine drug screen in the records"


def test_the_rules_stand_when_the_model_is_unsure():
    [c] = revise([_criterion()], "upheld", VERDICT, TEXT, _model({"e:find": [0.0, 0.0, 0.0, 3.0, 0.0]}, threshold=0.9))
    assert c["status"] == "not_met"


def test_not_assessed_drops_the_evidence():
    [c] = revise([_criterion()], "upheld", VERDICT, TEXT, _model({"e:find": [0.0, 0.0, 3.0, 0.0, 0.0]}))
    assert c["status"] == "not_assessed" and c["evidence"] is None and "evidence_span" not in c


def test_an_unassessed_criterion_found_assessed_takes_the_verdict_as_evidence_or_stays():
    model = _model({"rs=not_assessed": [3.0, 0.0, 0.0, 0.0, 0.0]})
    [c] = revise([_criterion("not_assessed", None)], "overturned", VERDICT, TEXT, model)
    assert c["status"] == "met" and c["evidence_span"] == list(VERDICT) and c["evidence"].startswith("Therefore")
    [c] = revise([_criterion("not_assessed", None)], None, None, TEXT, model)
    assert c["status"] == "not_assessed"  # no verdict to point to: a status without evidence would break the shapes


def test_the_trees_share_the_probabilities_by_the_tree_weight():
    trees = _trees("e:find", "not_documented")
    [p] = tree_probabilities([["e:find", "unknown-feature"]], trees, CLASSES)
    assert max(p, key=p.get) == "not_documented" and abs(sum(p.values()) - 1) < 1e-6
    unsure = _model({})  # the regression: each class 0.2, no status it is sure of
    [c] = revise([_criterion()], "upheld", VERDICT, TEXT, unsure, trees=trees)
    assert c["status"] == "not_met"  # no trees (tree_weight 0): the rules stand
    [c] = revise([_criterion()], "upheld", VERDICT, TEXT, dict(unsure, tree_weight=0.9), trees=trees)
    assert c["status"] == "not_documented"


def test_the_shipped_trees_read_features_of_the_model_and_give_distributions():
    trees, model = load_trees(), load()
    assert 0 < model["tree_weight"] < 1 and trees.columns and max(trees.columns.values()) < trees.width
    rows = [features(_criterion(), "upheld", VERDICT, TEXT), []]
    for p in tree_probabilities(rows, trees, model["classes"]):
        assert set(p) == set(CLASSES) and abs(sum(p.values()) - 1) < 1e-6


def test_a_criterion_the_model_is_sure_is_none_is_dropped():
    sure, unsure = _model({"e:find": [0.0, 3.0, 0.0, 0.0, 0.0]}), _model({"e:find": [0.0, 1.5, 0.0, 0.0, 0.0]})
    assert revise([_criterion()], "upheld", VERDICT, TEXT, sure) == []  # none: e^3 / (e^3 + 4) = 0.83
    [c] = revise([_criterion()], "upheld", VERDICT, TEXT, unsure)  # none: 0.53, under drop_threshold
    assert c["status"] == "not_met"
    uncatalogued = dict(_criterion(), criterion_id="uncatalogued-0123456789ab", criterion_label=None)
    surer = _model({"e:find": [0.0, 4.0, 0.0, 0.0, 0.0]})  # none: e^4 / (e^4 + 4) = 0.93
    assert revise([dict(uncatalogued)], "upheld", VERDICT, TEXT, _model({"e:find": [0.0, 2.0, 0.0, 0.0, 0.0]})) == [
        uncatalogued]  # none: 0.65, under drop_uncatalogued_threshold (0.75), over drop_threshold
    assert revise([dict(uncatalogued)], "upheld", VERDICT, TEXT, surer) == []
    # `criteria discover` reads the candidates: it keeps them all
    assert revise([dict(uncatalogued)], "upheld", VERDICT, TEXT, surer, keep_uncatalogued=True) == [uncatalogued]


def test_the_shipped_model_was_trained_on_the_labelled_sets_as_they_are():
    """Editing a labelled set without retraining (tools/train_status_model.py) fails here;
    the set held to 90% (labelled) and the harm-check set (heldout2) are never trained on."""
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert model["classes"] == CLASSES and 0 < model["threshold"] <= 1 and 0 < model["drop_threshold"] <= 1
    assert model["drop_threshold"] <= model["drop_uncatalogued_threshold"] <= 1
    assert not {"labelled", "heldout2"} & set(model["trained_on"]) and "heldout13" in model["trained_on"]
    for name, digest in model["trained_on"].items():
        assert set_digest(name) == digest, name
