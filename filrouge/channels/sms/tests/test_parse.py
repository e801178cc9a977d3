"""Contract tests on Vonage's documented formats: signatures, recorded inbound samples,
parts of a long SMS, GSM-7/UCS-2 segments and the STOP keywords."""

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filrouge.channels.message import ParseError
from filrouge.channels.sms import parse, signature
from filrouge.channels.sms.encoding import encoding, segments
from filrouge.channels.sms.keywords import START_WORDS, STOP_WORDS, keyword

SAMPLES = Path(__file__).parent / "samples"
AT = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)


def _raw(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_the_md5_hash_signature_matches_vonages_own_test_vector():
    # From Vonage's Python SDK tests: md5hash of "&a=1&b=2&timestamp=1461605396" + "secret".
    params = {"a": "1", "b": "2", "timestamp": "1461605396"}
    assert signature.signature(params, secret="secret", method="md5hash") == (
        "6af838ef94998832dbfc29020b564830"
    )
    signed = {**params, "sig": "6AF838EF94998832DBFC29020B564830"}  # case does not matter
    assert signature.is_valid(signed, secret="secret", method="md5hash")


@pytest.mark.parametrize("method", signature.METHODS)
def test_a_signed_sample_verifies_and_any_change_breaks_it(method):
    params = json.loads(_raw("inbound.json"))
    signed = signature.sign(params, secret="s3cret", method=method)
    assert signature.is_valid(signed, secret="s3cret", method=method)
    assert not signature.is_valid(signed, secret="other", method=method)
    assert not signature.is_valid({**signed, "text": "STOP"}, secret="s3cret", method=method)
    assert not signature.is_valid(params, secret="s3cret", method=method)  # no sig at all


def test_ampersands_and_equals_in_values_are_signed_as_underscores():
    params = {"text": "a=b&c", "timestamp": "1"}
    assert signature.signature(params, secret="k", method="sha256") == signature.signature(
        {"text": "a_b_c", "timestamp": "1"}, secret="k", method="sha256"
    )


def test_the_recorded_inbound_sample_reads_as_a_message_from_an_e164_phone():
    message = parse.parse(_raw("inbound.json"), external_id="0A00000012345671", received_at=AT)
    assert message.channel == "sms"
    assert message.sender.phone == "+33612345678"
    assert message.text.startswith("Bonjour, plus d'internet depuis hier soir")
    assert not message.is_auto_reply


def test_form_and_query_string_webhooks_read_like_json():
    params = json.loads(_raw("inbound.json"))
    from urllib.parse import urlencode

    assert parse.read_params(urlencode(params).encode()) == params
    assert parse.read_params(_raw("inbound.json"), content_type="application/json") == params


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "malformed JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"text": {"nested": 1}}', "single value"),
        (b"\xff\xfe", "UTF-8"),
        (b"a=1&&=", "malformed form"),
    ],
)
def test_malformed_parameters_are_refused_with_a_reason(raw, reason):
    with pytest.raises(ParseError, match=reason):
        parse.read_params(raw)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"msisdn": ""}, "missing msisdn"),
        ({"msisdn": "12"}, "invalid msisdn"),
        ({"messageId": ""}, "messageId"),
        ({"type": "mms"}, "unknown message type"),
        ({"concat": "true", "concat-part": "4", "concat-total": "3", "concat-ref": "1"}, "range"),
        ({"concat": "true", "concat-part": "x"}, "concat"),
    ],
)
def test_what_is_not_an_inbound_sms_is_refused(change, reason):
    params = {**json.loads(_raw("inbound.json")), **change}
    with pytest.raises(ParseError, match=reason):
        parse.check(params)


def test_the_parts_of_a_long_sms_join_in_order_whatever_their_arrival():
    payloads = [_raw("concat_3.json"), _raw("concat_1.json"), _raw("concat_2.json")]
    message = parse.join(payloads, external_id="x", received_at=AT)
    assert message.text.startswith("Bonjour, le technicien devait passer jeudi")
    assert "personne ne m'a prévenu" in message.text  # the cut between parts 1 and 2
    assert "Je suis joignable tous les jours" in message.text  # between 2 and 3
    assert message.text.endswith("Merci.")


def test_a_part_that_never_came_leaves_a_visible_gap():
    message = parse.join(
        [_raw("concat_1.json"), _raw("concat_3.json")], external_id="x", received_at=AT
    )
    assert parse.GAP.strip() in message.text
    assert message.text.endswith("Merci.")


def test_parts_share_a_group_key_and_whole_messages_have_none():
    keys = {parse.group_key(json.loads(_raw(f"concat_{n}.json"))) for n in (1, 2, 3)}
    assert keys == {"33612345678:17:3"}
    assert parse.group_key(json.loads(_raw("inbound.json"))) == ""


@given(st.binary(max_size=2000))
def test_random_bytes_are_a_message_or_a_reason_never_a_crash(raw):
    with contextlib.suppress(ParseError):
        parse.parse(raw, external_id="x", received_at=AT)


def test_gsm7_text_fits_160_characters_then_parts_of_153():
    assert encoding("Bonjour, votre box arrive jeudi.") == "text"
    assert len(segments("a" * 160)) == 1
    assert [len(s) for s in segments("a" * 161)] == [153, 8]


def test_french_outside_gsm7_is_unicode_70_then_67():
    assert encoding("Ça marche, à jeudi") == "text"  # "Ç" and "à" are GSM-7...
    assert encoding("reçu") == "unicode"  # ..."ç" is not
    assert encoding("la fenêtre") == "unicode"
    assert len(segments("ç" * 70)) == 1
    assert [len(s) for s in segments("ç" * 71)] == [67, 4]


def test_extended_gsm_characters_count_twice_and_emoji_are_never_cut():
    assert len(segments("€" * 80)) == 1  # 160 septets
    assert len(segments("€" * 81)) == 2
    parts = segments("😀" * 40)  # 80 UTF-16 units: 67 per part = 33 emoji
    assert [len(p) for p in parts] == [33, 7]


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop SMS ! ", "ARRÊT", "arret", "STOP."])
def test_the_stop_keywords_are_recognised_however_typed(text):
    assert keyword(text) in STOP_WORDS


@pytest.mark.parametrize("text", ["Ne stoppez pas mon abonnement", "stop à la panne svp", ""])
def test_a_sentence_with_stop_in_it_is_not_an_opt_out(text):
    assert keyword(text) not in STOP_WORDS | START_WORDS
