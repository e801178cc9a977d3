"""The intent model: hashed TF-IDF on words and character n-grams, multinomial logistic regression.

No vocabulary to store: words (1–2-grams) and characters (2–5-grams inside word
boundaries) are hashed into fixed-size spaces (scikit-learn's
`HashingVectorizer`), weighted by an IDF learnt at training time, normalised,
and scored by a linear model. The model file is a NumPy archive (`.npz`: the
IDF, the coefficients, the intercepts and a JSON header) — no pickle, so
loading it runs no code, and it loads in a few milliseconds.

Prediction is `softmax(X · Wᵀ + b)` in NumPy on a whole batch at once: one
sparse product for a thousand messages, not a thousand Python calls.

Text is normalised first: lower case, accents removed, SMS shorthand expanded
("bjr" → "bonjour", "tjrs" → "toujours", "jsp" → "je sais pas"). Nothing is
removed: "pas", "plus", "toujours pas" carry the meaning ("plus d'internet" is
an outage), so there is no stop-word list.
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

INTENTS = (
    "outage",
    "move",
    "billing",
    "delivery",
    "appointment",
    "cancellation",
    "equipment",
    "sales",
    "followup",
    "complaint",
    "other",
)
# Changing anything here changes the features: bump it so old model files are rebuilt.
FEATURES_VERSION = 1
WORD_BITS, CHAR_BITS = 17, 17
MAX_CHARS = 4_000  # what the model reads of a message: the start says what it is about

SHORTHAND = {
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "slt": "salut",
    "svp": "s il vous plait",
    "stp": "s il te plait",
    "tjrs": "toujours",
    "tjs": "toujours",
    "jsp": "je sais pas",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "qd": "quand",
    "rdv": "rendez vous",
    "pb": "probleme",
    "pbm": "probleme",
    "bcp": "beaucoup",
    "auj": "aujourd hui",
    "c": "c est",
    "g": "j ai",
    "jai": "j ai",
    "chui": "je suis",
    "jsuis": "je suis",
    "vs": "vous",
    "ns": "nous",
    "pa": "pas",
    "co": "connexion",
    "cnx": "connexion",
    "msg": "message",
    "net": "internet",
    "dac": "d accord",
    "tt": "tout",
    "tte": "toute",
    "tps": "temps",
    "mdp": "mot de passe",
    "qqn": "quelqu un",
    "qqch": "quelque chose",
    "pr": "pour",
    "ds": "dans",
    "koi": "quoi",
    "ki": "qui",
    "nvx": "nouveaux",
    "nvl": "nouvelle",
    "news": "nouvelles",
    "jveux": "je veux",
    "jpeux": "je peux",
    "jvois": "je vois",
    "jlai": "je l ai",
    "aprem": "apres midi",
    "tech": "technicien",
    "mrc": "merci",
    "mr6": "merci",
    "dsl": "desole",
    "fo": "faut",
    "pdt": "pendant",
    "bb": "box",
    "ajd": "aujourd hui",
    "mtn": "maintenant",
    "dc": "donc",
    "rep": "reponse",
    "abo": "abonnement",
    "resil": "resiliation",
    "fact": "facture",
    "num": "numero",
    "tel": "telephone",
    "jvais": "je vais",
    "jpars": "je pars",
    "tjr": "toujours",
    "jcomprends": "je comprends",
}
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, no accents, apostrophes and punctuation as spaces, shorthand expanded."""
    text = unicodedata.normalize("NFKD", text[:MAX_CHARS].lower())
    text = text.encode("ascii", "ignore").decode("ascii")
    return " ".join(SHORTHAND.get(w, w) for w in _WORD.findall(text))


def _vectorisers() -> tuple[HashingVectorizer, HashingVectorizer]:
    words = HashingVectorizer(
        n_features=2**WORD_BITS,
        ngram_range=(1, 2),
        token_pattern=r"\b\w+\b",  # noqa: S106 - a regular expression, not a password
        lowercase=False,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    chars = HashingVectorizer(
        n_features=2**CHAR_BITS,
        analyzer="char_wb",
        ngram_range=(3, 5),
        lowercase=False,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    return words, chars


def _counts(clean: Sequence[str]) -> sp.csr_matrix:
    """Hashed counts of already-normalised texts: words then characters, side by side."""
    words, chars = _vectorisers()
    return sp.hstack([words.transform(clean), chars.transform(clean)], format="csr")


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, then each row to unit length."""
    x = counts.copy()
    np.log1p(x.data, out=x.data)
    x.data *= idf[x.indices]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x, dtype=np.float32)


@dataclass(frozen=True)
class Model:
    idf: np.ndarray
    coef: np.ndarray  # (intents, features), float32
    intercept: np.ndarray
    intents: tuple[str, ...]
    header: dict

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per intent, each row summing to 1."""
        return self.probabilities_of_normalised([normalise(t) for t in texts])

    def probabilities_of_normalised(self, clean: Sequence[str]) -> np.ndarray:
        if not clean:
            return np.zeros((0, len(self.intents)), dtype=np.float32)
        x = _weigh(_counts(clean), self.idf)
        scores = np.asarray(x @ self.coef.T) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{id(self)}.tmp")
        with partial.open("wb") as out:
            np.savez_compressed(
                out,
                idf=self.idf,
                coef=self.coef,
                intercept=self.intercept,
                header=np.frombuffer(json.dumps(self.header).encode(), dtype=np.uint8),
            )
        partial.replace(path)  # atomic: a reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> "Model":
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(archive["header"].tobytes().decode())
            return cls(
                idf=archive["idf"],
                coef=archive["coef"],
                intercept=archive["intercept"],
                intents=tuple(header["intents"]),
                header=header,
            )


def fingerprint(rows: Iterable[dict]) -> str:
    """What a model was trained on, so a stale file is noticed."""
    setup = json.dumps([FEATURES_VERSION, WORD_BITS, CHAR_BITS, SHORTHAND], sort_keys=True)
    digest = hashlib.sha256(setup.encode())
    for row in rows:
        digest.update(f"{row['intent']}\t{row['text']}\n".encode())
    return digest.hexdigest()[:16]


def train(rows: Sequence[dict], *, c: float = 20.0) -> Model:
    """Fit the model on labelled rows ({"text", "intent"}); the same rows give the same model."""
    from sklearn.linear_model import LogisticRegression

    texts = [r["text"] for r in rows]
    labels = np.array([INTENTS.index(r["intent"]) for r in rows])
    counts = _counts([normalise(t) for t in texts])
    # Smoothed IDF over the training documents, as scikit-learn's TfidfTransformer does.
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
    x = _weigh(counts, idf)
    fitted = LogisticRegression(C=c, max_iter=300, tol=1e-4).fit(x, labels)
    coef = np.zeros((len(INTENTS), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(INTENTS), dtype=np.float32)
    coef[fitted.classes_] = fitted.coef_
    intercept[fitted.classes_] = fitted.intercept_
    intercept[[i for i in range(len(INTENTS)) if i not in set(fitted.classes_)]] = -50.0
    header = {
        "intents": list(INTENTS),
        "features_version": FEATURES_VERSION,
        "examples": len(rows),
        "fingerprint": fingerprint(rows),
        "c": c,
    }
    return Model(idf, coef, intercept, INTENTS, header)
