"""How many SMS a text costs: GSM 03.38 (7-bit) when every character fits, else UCS-2.

One SMS carries 160 GSM-7 characters or 70 UCS-2 code units; a long message is
sent in parts that each lose room to the concatenation header: 153 and 67.
GSM's extension characters (€, [, ], {, }, ~, ^, \\, |) take two septets and are
never split from their escape; UTF-16 surrogate pairs (emoji) are never split either.
French is often UCS-2: "ç", "ê", "â", "î", "ô", "û", "œ" are not in GSM-7.
"""

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
SINGLE = {"text": 160, "unicode": 70}
PART = {"text": 153, "unicode": 67}


def encoding(text: str) -> str:
    """Vonage's `type`: "text" (GSM-7) or "unicode" (UCS-2)."""
    return "text" if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text) else "unicode"


def _cost(char: str, kind: str) -> int:
    if kind == "text":
        return 2 if char in GSM_EXTENDED else 1
    return 2 if ord(char) > 0xFFFF else 1


def segments(text: str) -> list[str]:
    """The text cut as the network carries it: one part, or parts of 153/67 units."""
    kind = encoding(text)
    if sum(_cost(c, kind) for c in text) <= SINGLE[kind]:
        return [text] if text else []
    parts, current, used = [], [], 0
    for char in text:
        cost = _cost(char, kind)
        if used + cost > PART[kind]:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    if current:
        parts.append("".join(current))
    return parts
