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
from functools import cached_property
from itertools import chain
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

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
FEATURES_VERSION = 2
WORD_BITS, CHAR_BITS = 17, 17
MAX_CHARS = 4_000  # what the model reads of a message: the start says what it is about
# Character n-grams (the costly part: built in Python) are taken from the start only.
CHAR_NGRAM_CHARS = 400

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


# The features are scikit-learn's `HashingVectorizer` columns (the model was trained on
# them; `tests/test_features.py` checks they are the very same matrices): word 1–2-grams
# with `token_pattern=r"\b\w+\b"`, and `char_wb` 3–5-grams (each word padded with a
# space on each side), hashed with MurmurHash3 (seed 0, no alternate sign, no norm), then
# counted. They are built here without its Python analyser: the columns of a word, of a
# pair of words and of a word's character n-grams are computed once and kept (customers
# use a few thousand words), so a message costs a few dictionary look-ups per word
# instead of ~15 string slices and hashes.
_TOKEN = re.compile(r"\b\w+\b")  # HashingVectorizer's token_pattern
SMALL_BATCH = 8  # up to this many texts are scored without SciPy matrices (`_rows`)
# Entries kept per cache, emptied when full (a flood of novel words): with lexicon's cache
# of words, about 20 MB at most (traced while reading 60,000 made-up words).
_CACHE_LIMIT = 50_000
_CHAR_CACHE_LIMIT = 20_000
_word_cache: dict[str, int] = {}
_char_cache: dict[str, tuple[int, ...]] = {}


def _column(feature: str, n_features: int) -> int:
    """The column scikit-learn's hashing gives a feature (`_hashing_fast.transform`)."""
    h = murmurhash3_32(feature, seed=0, positive=False)
    if h == -(2**31):  # abs(-2**31) overflows in C: scikit-learn's own rule
        return (2**31 - 1 - (n_features - 1)) % n_features
    return abs(h) % n_features


def _word_columns(text: str) -> list[int]:
    """Columns of the words and of the pairs of adjacent words (`_word_ngrams`, (1, 2))."""
    cache = _word_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    tokens = _TOKEN.findall(text)
    features = tokens + list(map(" ".join, zip(tokens, tokens[1:], strict=False)))
    columns = list(map(cache.get, features))
    if None in columns:  # words or pairs not seen yet
        for i, column in enumerate(columns):
            if column is None:
                feature = features[i]
                columns[i] = cache[feature] = _column(feature, 2**WORD_BITS)
    return columns


def _char_grams(word: str) -> list[str]:
    """`char_wb` n-grams of one word (scikit-learn's `_char_wb_ngrams`, (3, 5))."""
    w = " " + word + " "
    grams = []
    for n in range(3, 6):
        offset = 0
        grams.append(w[offset : offset + n])
        while offset + n < len(w):
            offset += 1
            grams.append(w[offset : offset + n])
        if offset == 0:  # a word shorter than n is counted once
            break
    return grams


def _char_columns(text: str) -> list[int]:
    """Columns of the character n-grams of each word (white space only separates words)."""
    cache = _char_cache
    if len(cache) > _CHAR_CACHE_LIMIT:
        cache.clear()
    out: list[int] = []
    for word in text.split():
        columns = cache.get(word)
        if columns is None:
            columns = cache[word] = tuple(_column(g, 2**CHAR_BITS) for g in _char_grams(word))
        out += columns
    return out


def _matrix(rows: list[list[int]], n_features: int) -> sp.csr_matrix:
    """Counts of the columns of each row, in canonical form (sorted, summed) as scikit-learn's."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.fromiter(chain.from_iterable(rows), dtype=np.int32, count=int(indptr[-1]))
    x = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr),
        shape=(len(rows), n_features),
    )
    x.sum_duplicates()  # also sorts the indices
    return x


def _parts(clean: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hashed counts of already-normalised texts: words, and characters."""
    return word_counts(clean), _matrix(
        [_char_columns(c[:CHAR_NGRAM_CHARS]) for c in clean], 2**CHAR_BITS
    )


def word_counts(clean: Sequence[str]) -> sp.csr_matrix:
    """Hashed counts of the words alone (the sentences read for second topics)."""
    return _matrix([_word_columns(c) for c in clean], 2**WORD_BITS)


def _counts(clean: Sequence[str]) -> sp.csr_matrix:
    """Both parts side by side (training; prediction keeps them apart, see `_scores`)."""
    return sp.hstack(_parts(clean), format="csr")


def _tfidf(
    counts: sp.csr_matrix, idf: np.ndarray, *, copy: bool = True
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sublinear TF × IDF (in place on the data array if not `copy`); each row's squared norm."""
    x = counts.copy() if copy else counts
    np.log1p(x.data, out=x.data)
    x.data *= idf[x.indices]
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    squares = np.bincount(rows, weights=x.data.astype(np.float64) ** 2, minlength=x.shape[0])
    return x, squares


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """TF-IDF rows of unit length — by scaling the data array, not by a sparse product (whose
    cost grows with the width of the feature space)."""
    x, squares = _tfidf(counts, idf)
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
    return x


def _rows(
    words: Sequence[list[int]], chars: Sequence[list[int]], idf: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A few texts' TF-IDF · W (not yet normalised; (texts, intents)) and squared norms,
    figure for figure as `_tfidf` and SciPy's CSR × dense products give them, without
    building sparse matrices (which costs more than the arithmetic for a few short texts).

    Each text's columns are sorted and counted (words first: the characters' columns come
    after them, as in the model's feature space); the products are added in column order,
    the words and the characters apart, then the two sums added — as `_scores` does with
    SciPy (`_product` runs SciPy's loop); the squared norms are summed by `np.bincount` in
    the same order as `_tfidf` sums them."""
    n, width = len(words), weights.shape[1]
    parts = [p for w, c in zip(words, chars, strict=True) for p in (w, c)]
    sizes = [len(p) for p in parts]
    keys = np.fromiter(chain.from_iterable(parts), dtype=np.int64, count=sum(sizes))
    # Sorted by key: the words of every text (text by text, column by column), then the
    # characters of every text — each part in the order of its CSR matrix in `_scores`.
    # key = part · 2⁴⁰ + text · 2¹⁸ + column in the model's feature space.
    segment = np.arange(2 * n, dtype=np.int64)
    part, text = segment & 1, segment >> 1
    keys += np.repeat((part << 40) + (text << 18) + part * 2**WORD_BITS, sizes)
    keys.sort()
    raw = np.zeros((n, width), dtype=np.float32)
    if not len(keys):
        return raw, np.zeros(n)
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = keys[starts]
    counts = np.empty(len(starts), dtype=np.float32)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
    counts[-1] = len(keys) - starts[-1]
    cols = (unique & (2**18 - 1)).astype(np.int32)
    texts = (unique >> 18) & (2**22 - 1)
    data = np.log1p(counts)
    data *= idf[cols]
    split = int(np.searchsorted(unique, 1 << 40))  # words before, characters after
    squares = np.bincount(
        texts + (unique >> 40) * n, weights=data.astype(np.float64) ** 2, minlength=2 * n
    )
    bounds = np.arange(n + 1)
    for part in (slice(0, split), slice(split, None)):
        if len(cols[part]):
            indptr = np.searchsorted(texts[part], bounds).astype(np.int32)
            raw += _product(cols[part], data[part], indptr, weights)
    return raw, squares[:n] + squares[n:]


try:  # the loop SciPy's CSR × dense product runs, without building a matrix around it
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - another SciPy: the public product, same figures
    _csr_matvecs = None


def _product(
    cols: np.ndarray, data: np.ndarray, indptr: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """`csr_matrix((data, cols, indptr)) @ weights`, by SciPy's own loop (float32 products
    added in column order) called directly: ~2 µs instead of ~15 with the matrix around it."""
    n = len(indptr) - 1
    if _csr_matvecs is None:
        matrix = sp.csr_matrix((data, cols, indptr), shape=(n, weights.shape[0]))
        return np.asarray(matrix @ weights)
    out = np.zeros((n, weights.shape[1]), dtype=np.float32)
    _csr_matvecs(n, *weights.shape, indptr, cols, data, weights.ravel(), out.ravel())
    return out


@dataclass(frozen=True)
class Model:
    idf: np.ndarray
    coef: np.ndarray  # (intents, features), float32
    intercept: np.ndarray
    intents: tuple[str, ...]
    header: dict

    @cached_property
    def weights(self) -> np.ndarray:
        """(features, intents), C-contiguous: a sparse × dense product reads it without a copy."""
        return np.ascontiguousarray(self.coef.T)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per intent, each row summing to 1."""
        return self.probabilities_of_normalised([normalise(t) for t in texts])

    def probabilities_of_normalised(self, clean: Sequence[str]) -> np.ndarray:
        if not clean:
            return np.zeros((0, len(self.intents)), dtype=np.float32)
        scores = self._scores(clean)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def probabilities_with_sentences(
        self, clean: Sequence[str], sentences: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """`probabilities_of_normalised(clean)` and `word_probabilities(sentences)` — for a few
        texts in one pass (one message and its sentences: what a filing reads), the same
        figures for the overhead of one."""
        n = len(clean)
        if not 0 < n + len(sentences) <= 2 * SMALL_BATCH:
            return self.probabilities_of_normalised(clean), self.word_probabilities(sentences)
        raw, squares = _rows(
            [_word_columns(c) for c in (*clean, *sentences)],
            [*(_char_columns(c[:CHAR_NGRAM_CHARS]) for c in clean), *([] for _s in sentences)],
            self.idf,
            self.weights,
        )
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0
        scores = (raw / norms[:, None] + self.intercept).astype(np.float64)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores[:n], scores[n:]

    def word_probabilities(self, clean: Sequence[str]) -> np.ndarray:
        """A cheaper reading from the word features alone (no character n-grams): what the
        sentences of a long message are each about, to report its second topics."""
        if not clean:
            return np.zeros((0, len(self.intents)), dtype=np.float32)
        split = 2**WORD_BITS
        idf, weights = self.idf[:split], self.weights[:split]
        if len(clean) <= SMALL_BATCH:
            raw, squares = _rows(
                [_word_columns(c) for c in clean], [[] for _c in clean], self.idf, self.weights
            )
        else:
            xw, squares = _tfidf(word_counts(clean), idf, copy=False)
            raw = np.asarray(xw @ weights)
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0
        scores = raw / norms[:, None] + self.intercept
        scores = scores.astype(np.float64)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def _scores(self, clean: Sequence[str]) -> np.ndarray:
        """X · W + b, with X = [words | characters] normalised as one vector, computed as two
        products (no stacking of sparse matrices: the same figures, half the cost per call)."""
        split = 2**WORD_BITS
        if len(clean) <= SMALL_BATCH:
            raw, squares = _rows(
                [_word_columns(c) for c in clean],
                [_char_columns(c[:CHAR_NGRAM_CHARS]) for c in clean],
                self.idf,
                self.weights,
            )
        else:
            words, chars = _parts(clean)
            xw, sw = _tfidf(words, self.idf[:split], copy=False)
            xc, sc = _tfidf(chars, self.idf[split:], copy=False)
            squares = sw + sc
            raw = np.asarray(xw @ self.weights[:split]) + np.asarray(xc @ self.weights[split:])
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0
        return (raw / norms[:, None] + self.intercept).astype(np.float64)

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
    setup = json.dumps(
        [FEATURES_VERSION, WORD_BITS, CHAR_BITS, CHAR_NGRAM_CHARS, SHORTHAND], sort_keys=True
    )
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
    # Only the hashed columns some training text uses: the others would get a zero weight
    # anyway, and L-BFGS keeps ten copies of the parameters (memory ÷ 2–3, time too).
    active = np.flatnonzero(df)
    fitted = LogisticRegression(C=c, max_iter=300, tol=1e-4).fit(x[:, active], labels)
    coef = np.zeros((len(INTENTS), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(INTENTS), dtype=np.float32)
    coef[np.ix_(fitted.classes_, active)] = fitted.coef_
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
