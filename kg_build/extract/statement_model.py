"""Whether a sentence of a rationale states a guideline criterion, where the rules' cues see none.

The rules of extract/criteria.py take a sentence for a guideline statement by its cue words
('should', 'is recommended when', 'Criteria include'). Reviewers state criteria in words no cue
list foresees ('Unequivocal objective findings ... are sufficient evidence to warrant imaging',
'Treatment beyond two weeks is not suggested'), and a criterion so stated was lost. A logistic
model, trained by tools/train_status_model.py on the sentences of the labelled sets in
tests/criteria/ (a sentence in which a set names a stated criterion states one), reads the
sentence's words, word pairs and first words and which of the rules' cues it holds. Where the
rules see no statement and the model is at least `threshold` sure of one, the sentence is read as
one. The model is data (data/statement_model.json: a weight per feature), scored like the status
model, with no library.
"""

from __future__ import annotations

import re
from pathlib import Path

from kg_build.extract.phrases import rationale_phrase as rp
from kg_build.extract.status_model import load, probabilities
from kg_build.text import Doc, Span

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")
MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "statement_model.json"
STATES = "states"  # the class of a sentence that states a criterion
# the rules' cues (data/rationale.yaml) whose presence the model weighs; not the long lists of
# criterion_sentence(_weak), half the cost of reading a sentence for nothing: 5-fold
# cross-validation over 80 sets, status P / R 0.897 / 0.890 with them, 0.897 / 0.891 without
CUES = ("guideline_sentence", "criterion_modal", "case_subject", "case_words", "case_clause",
        "application_sentence", "not_documented")
_FIRST = 3  # how a sentence opens tells much: 'Guidelines state', 'There is no', 'He has'


def features(doc: Doc, sentence: Span) -> list[str]:
    words = _TOKEN.findall(doc.text[sentence[0]:sentence[1]].lower())
    found = {f"w:{w}" for w in words} | {f"b:{a}_{b}" for a, b in zip(words, words[1:])}
    found |= {f"f{i}:{w}" for i, w in enumerate(words[:_FIRST])}
    found |= {f"cue:{name}" for name in CUES if rp(name).search(doc.text, *sentence)}
    found.add(f"len={min(len(words), 40) // 8}")
    return sorted(found)


def states_criterion(doc: Doc, sentence: Span, model: dict | None = None) -> bool:
    model = model or load(MODEL_FILE)
    return probabilities(features(doc, sentence), model)[STATES] >= model["threshold"]
