"""A second reading of each criterion the rules find: whether it is one, and its status.

The rules of extract/criteria.py decide a status from cue words, limits and the catalog; their
mistakes follow patterns the labelled sets show (a reviewer's 'I find no urine drug screen'
is not_documented where the rules read not_met), and some clauses they take for criteria are
none (no labelled set names them). A multinomial logistic model, trained by
tools/train_status_model.py on the labelled sets in tests/criteria/, reads the rules' status
with the words of the evidence, of the criterion and of what stands just before it (and, for a
catalog criterion, each word of the rest of its rationale, weighed for that criterion), the
decision, where the evidence stands and the rules' account of the status (which reading
decided it, how sure the facts were). It drops a catalog criterion it is at least
`drop_threshold` sure is none (an uncatalogued one at `drop_uncatalogued_threshold`), and
replaces the rules' status when, of the four statuses, it is at least `threshold` sure of
another. Its probabilities are those of the regression averaged with those of boosted trees
over the same features (LightGBM, data/status_trees.txt.gz), which see the combinations of
features a regression cannot weigh. The models are data (data/status_model.json: a weight per
feature and class; the trees file: the features the trees read, then LightGBM's model text).
Retrain them when the rules or the labelled sets change.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from bisect import bisect_left
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from kg_build.text import Span

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|/")
MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "status_model.json"
TREES_FILE = MODEL_FILE.with_name("status_trees.txt.gz")
NONE = "none"  # the class of a clause the rules took for a criterion that is none
_BEFORE = 50  # characters before a criterion whose last words tell how it is introduced
# the rules' account of a status, which only the model reads: the reading that decided it, the
# decision's override, the relevance of the best fact and how many facts it was given
ACCOUNT = ("_how", "_agreed", "_relevance", "_facts")
_LENGTHS = (2, 4, 8, 15, 1000)  # criterion lengths in words told apart: a fragment of two words is rarely one


def features(criterion: dict, outcome: str | None, concluding: Span | None, text: str,
             rationale: Span | None = None) -> list[str]:
    """The binary features of a criterion as the rules left it (its text, status, evidence) in
    the text of its letter, whose rationale spans `rationale` (by default the whole text)."""
    status = criterion["status"]
    evidence = (criterion.get("evidence") or "").lower()
    words = _TOKEN.findall(evidence)
    found = {f"rs={status}", f"oc={outcome or 'none'}", f"rs_oc={status}{outcome or 'none'}", f"noev={int(not evidence)}"}
    found |= {f"e:{w}" for w in words} | {f"{status}|e:{w}" for w in words}
    found |= {f"e2:{a}_{b}" for a, b in zip(words, words[1:])}
    own = _TOKEN.findall(criterion["text"].lower())
    found |= {f"c:{w}" for w in own} | {f"c2:{a}_{b}" for a, b in zip(own, own[1:])}
    start = criterion["span"][0]
    found |= {f"pre:{w}" for w in _TOKEN.findall(text[max(0, start - _BEFORE):start].lower())[-4:]}
    how = f"how={criterion.get('_how', 'none')}/{criterion.get('_agreed', '')}"
    found |= {how, f"{how}|{status}", f"rel={min(criterion.get('_relevance', 0), 9) // 2}", f"facts={min(criterion.get('_facts', 0), 3)}"}
    catalogued = int(bool(criterion.get("criterion_label")))
    found |= {f"cat={catalogued}", f"cat={catalogued}|len={next(i for i, most in enumerate(_LENGTHS) if len(own) <= most)}"}
    if catalogued:
        found.add(f"id:{criterion['criterion_id']}")
        # the rest of the rationale as this criterion reads it: the fact that applies it is
        # often in words the rules did not take for its evidence ('CURES consistent' for
        # monitoring), and which words tell its status is the criterion's own
        starts, tokens = _words(text, *(rationale or (0, len(text))))
        rest = {*tokens[:bisect_left(starts, start)], *tokens[bisect_left(starts, criterion["span"][1]):]}
        found |= {f"id:{criterion['criterion_id']}|a:{w}" for w in rest}
    if evidence_span := criterion.get("evidence_span"):
        found.add(f"ev_before={int(evidence_span[0] < criterion['span'][0])}")
        if concluding:
            found.add(f"ev_concl={int(evidence_span[0] >= concluding[0])}")
    return sorted(found)


@lru_cache(maxsize=4)  # the criteria of one rationale are read one after another
def _words(text: str, first: int, last: int) -> tuple[list[int], list[str]]:
    """Where each word of text[first:last] starts, and the word in lower case."""
    found = [(first + m.start(), m.group()) for m in _TOKEN.finditer(text[first:last].lower())]
    return [start for start, _ in found], [word for _, word in found]


@cache
def load(path: Path = MODEL_FILE) -> dict:
    """A model file of this module's form (the statement model has it too), read once."""
    return json.loads(path.read_text(encoding="utf-8"))


class Trees(NamedTuple):
    booster: Any  # a lightgbm.Booster
    columns: dict[str, int]  # the column of each feature the trees read
    width: int  # the columns of the trees' input


@cache
def load_trees(path: Path = TREES_FILE) -> Trees:
    return read_trees(gzip.decompress(path.read_bytes()).decode("utf-8"))


def read_trees(text: str) -> Trees:
    """A trees file's text: a line of the features the trees read, each as column:name,
    tab-separated; then LightGBM's model text."""
    import lightgbm

    head, _, model = text.partition("\n")
    booster = lightgbm.Booster(model_str=model)
    columns = {name: int(column) for column, name in (field.split(":", 1) for field in head.split("\t"))}
    return Trees(booster, columns, booster.num_feature())


def tree_probabilities(rows: list[list[str]], trees: Trees, classes: list[str]) -> list[dict[str, float]]:
    """Each row's class probabilities under the trees, in one call for all rows."""
    if not rows:
        return []
    x = binary_matrix([[trees.columns[name] for name in row if name in trees.columns] for row in rows], trees.width)
    return [dict(zip(classes, p)) for p in trees.booster.predict(x, num_threads=1).tolist()]


def binary_matrix(rows: list[list[int]], width: int) -> Any:
    """A sparse matrix (scipy CSR) with a 1 in each row's columns: the trees' input."""
    import numpy as np
    from scipy.sparse import csr_matrix

    ends = np.cumsum([0, *map(len, rows)])
    return csr_matrix((np.ones(ends[-1], np.float32), np.array([c for row in rows for c in row], np.int32), ends),
                      shape=(len(rows), width))


def probabilities(names: list[str], model: dict) -> dict[str, float]:
    """Each class's probability under the model (a softmax over the summed weights); the
    statement model is scored with it too."""
    weights = model["weights"]
    rows = [weights[name] for name in names if name in weights]
    scores = [b + sum(column) for b, column in zip(model["intercepts"], zip(*rows))] if rows else list(model["intercepts"])
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    return {status: e / sum(exp) for status, e in zip(model["classes"], exp)}


def revise(criteria: list[dict], outcome: str | None, concluding: Span | None, text: str,
           model: dict | None = None, keep_uncatalogued: bool = False, rationale: Span | None = None,
           trees: Trees | None = None) -> list[dict]:
    """The criteria the models do not find to be none, with the statuses they are sure of. A
    criterion found not assessed loses its evidence; one found assessed that had none takes
    the verdict as its evidence (the decision is what the reviewer gave), or keeps its status
    when there is no verdict."""
    model = model or load()
    rows = [features(c, outcome, concluding, text, rationale) for c in criteria]
    weight = model["tree_weight"]  # 0: the regression alone, and the trees are not read
    grown = tree_probabilities(rows, trees or load_trees(), model["classes"]) if weight else [{}] * len(rows)
    kept = []
    for c, row, by_trees in zip(criteria, rows, grown):
        linear = probabilities(row, model)
        p = {k: (1 - weight) * linear[k] + weight * by_trees.get(k, 0.0) for k in linear}
        for key in ACCOUNT:
            c.pop(key, None)
        # an uncatalogued criterion needs more certainty to go, and stays as a candidate for
        # `criteria discover` (keep_uncatalogued): a person judges those
        catalogued = bool(c.get("criterion_label"))
        if (p.pop(NONE, 0.0) >= model["drop_threshold" if catalogued else "drop_uncatalogued_threshold"]
                and (catalogued or not keep_uncatalogued)):
            continue
        kept.append(c)
        status = max(p, key=p.get)
        if status == c["status"] or p[status] < model["threshold"] * sum(p.values()):
            continue
        if status == "not_assessed":
            c.update(status=status, evidence=None)
            c.pop("evidence_span", None)
        elif c.get("evidence_span"):
            c["status"] = status
        elif concluding:
            c.update(status=status, evidence=text[concluding[0]:concluding[1]], evidence_span=list(concluding))
    return kept
