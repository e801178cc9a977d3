"""The hashed features are scikit-learn's, whoever builds them.

The model was trained on `HashingVectorizer` columns (word 1–2-grams with
`token_pattern=r"\\b\\w+\\b"`; `char_wb` 3–5-grams of the first
`CHAR_NGRAM_CHARS` characters; MurmurHash3, no alternate sign, no norm). The
reading builds the same counts its own way (`classifier._parts`): they must
be the very same matrix — same columns, same counts — for every text.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from filrouge.triage import classifier
from filrouge.triage.tests.test_pinned_analysis import cases


def reference() -> tuple[HashingVectorizer, HashingVectorizer]:
    """The vectorisers the model was trained with (FEATURES_VERSION 2), as scikit-learn does."""
    common = {"lowercase": False, "alternate_sign": False, "norm": None, "dtype": np.float32}
    words = HashingVectorizer(
        n_features=2**classifier.WORD_BITS,
        ngram_range=(1, 2),
        token_pattern=r"\b\w+\b",  # noqa: S106 - a regular expression, not a password
        **common,
    )
    chars = HashingVectorizer(
        n_features=2**classifier.CHAR_BITS, analyzer="char_wb", ngram_range=(3, 5), **common
    )
    return words, chars


EDGES = [
    "",
    " ",
    "a",
    "ab",
    "abc",
    "a b",
    "a b c d e",
    "x" * 10,
    "x" * 500,
    "1",
    "12 34",
    "plus d internet depuis 3 jours",
    "c est c est c est",  # repeated n-grams are counted
    "bonjour " * 60,  # crosses CHAR_NGRAM_CHARS in the middle of a word
    "  deux  espaces  ",
    "j ai 06 12 34 56 78 et fr 2026 0012345",
    "abcdefghijklmnopqrstuvwxyz0123456789 " * 20,
]


def texts() -> list[str]:
    out = [classifier.normalise(c["text"]) for c in cases()]
    return out + EDGES


def same(got: sp.csr_matrix, want: sp.csr_matrix) -> None:
    got, want = got.tocsr(), want.tocsr()
    got.sum_duplicates()
    want.sum_duplicates()
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)


@pytest.mark.parametrize("size", [1, 7, 300, None])
def test_the_hashed_counts_are_scikit_learns(size):
    clean = texts()[:size]
    words, chars = reference()
    got_words, got_chars = classifier._parts(clean)
    same(got_words, words.transform(clean))
    same(got_chars, chars.transform([c[: classifier.CHAR_NGRAM_CHARS] for c in clean]))


def test_the_word_counts_alone_are_scikit_learns():
    clean = texts()
    words, _chars = reference()
    same(classifier.word_counts(clean), words.transform(clean))


def test_normalised_text_is_what_the_features_assume():
    """The fast path counts on `normalise`'s output: lower-case ASCII words of [a-z0-9] joined
    by single spaces (so `\\b\\w+\\b` and splitting on spaces find the same words)."""
    for text in [classifier.normalise(c["text"]) for c in cases()]:
        assert text == " ".join(text.split())
        assert all(w.isascii() and w.isalnum() and w == w.lower() for w in text.split())


def test_one_text_scores_as_in_a_batch_to_the_last_bit():
    """A few texts are scored row by row in NumPy, a batch by SciPy's sparse product: the
    figures must be the same bits (the order of the additions included)."""
    from filrouge.triage import store

    model = store.current()
    clean = texts()
    assert len(clean) > classifier.SMALL_BATCH
    batch = model._scores(clean)
    words = model.word_probabilities(clean)
    for size in (1, 2, 5, classifier.SMALL_BATCH):
        chunks = range(0, len(clean), size)
        alone = np.vstack([model._scores(clean[i : i + size]) for i in chunks])
        np.testing.assert_array_equal(alone, batch)
        words_alone = np.vstack([model.word_probabilities(clean[i : i + size]) for i in chunks])
        np.testing.assert_array_equal(words_alone, words)


def test_without_scipys_loop_the_public_product_gives_the_same_bits(monkeypatch):
    from filrouge.triage import store

    model = store.current()
    clean = texts()[:200]
    direct = np.vstack([model._scores([c]) for c in clean])
    monkeypatch.setattr(classifier, "_csr_matvecs", None)
    public = np.vstack([model._scores([c]) for c in clean])
    np.testing.assert_array_equal(public, direct)


def test_a_message_and_its_sentences_read_together_give_the_same_bits():
    from filrouge.triage import store

    model = store.current()
    clean = texts()
    sentences = [s for c in clean[:300] for s in c.split(" et ")[:3]]
    whole, words = model.probabilities_of_normalised(clean), model.word_probabilities(sentences)
    for n, k in ((1, 0), (1, 3), (1, 8), (2, 5), (8, 8), (0, 4), (3, 0)):
        for i in range(0, 60, 7):
            got, got_words = model.probabilities_with_sentences(
                clean[i : i + n], sentences[i : i + k]
            )
            np.testing.assert_array_equal(got, whole[i : i + n])
            np.testing.assert_array_equal(got_words, words[i : i + k])
