"""A PBX event in our own format (see README.md): what every PBX adapter produces.

`read_event` reads the JSON the PBX posts to `/hooks/phone/`; `asterisk.py`
translates Asterisk's ARI and AMI events into the same `CallEvent`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from filrouge.channels.message import ParseError, load_json

STARTED, ANSWERED, ENDED = "call.started", "call.answered", "call.ended"
KINDS = (STARTED, ANSWERED, ENDED)
OUTCOMES = ("answered", "abandoned", "missed", "voicemail", "transferred", "failed")
CALL_ID = r"^[A-Za-z0-9._:@-]+$"  # Asterisk's "1712345678.42", a UUID, a SIP Call-ID...


@dataclass(frozen=True)
class CallEvent:
    kind: str  # one of KINDS
    call_id: str
    at: datetime  # when it happened, at the PBX (aware)
    caller: str = ""  # as the PBX gives it: E.164, national, "anonymous"...
    called: str = ""  # the number or extension dialled
    queue: str = ""
    agent: str = ""  # the advisor's e-mail address, as known to Fil Rouge
    outcome: str = ""  # call.ended only; "" lets Fil Rouge decide (answered or abandoned)
    ivr: tuple[str, ...] = ()  # the keys pressed in the voice menu, in order

    def as_json(self) -> dict[str, Any]:
        """The event in our webhook format (what a PBX would post)."""
        body: dict[str, Any] = {
            "event": self.kind,
            "call_id": self.call_id,
            "timestamp": self.at.isoformat(),
        }
        for name in ("caller", "called", "queue", "agent", "outcome"):
            if value := getattr(self, name):
                body[name] = value
        if self.ivr:
            body["ivr"] = list(self.ivr)
        return body


Short = Annotated[str, Field(max_length=80)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event: Literal["call.started", "call.answered", "call.ended"]
    call_id: Annotated[str, Field(min_length=1, max_length=128, pattern=CALL_ID)]
    timestamp: AwareDatetime
    caller: Annotated[str, Field(max_length=32)] = ""
    called: Annotated[str, Field(max_length=32)] = ""
    queue: Short = ""
    agent: Annotated[str, Field(max_length=254)] = ""
    outcome: Literal[OUTCOMES] | None = None  # type: ignore[valid-type]
    ivr: Annotated[list[Annotated[str, Field(max_length=16)]], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _outcome_ends_a_call(self) -> "_Payload":
        if self.outcome is not None and self.event != ENDED:
            raise ValueError("outcome is only given on call.ended")
        return self


def read_event(body: bytes) -> CallEvent:
    """Our JSON event, checked field by field; anything else is a `ParseError` with the reason."""
    data = load_json(body, what="not JSON")
    if not isinstance(data, dict):
        raise ParseError("the body must be a JSON object")
    try:
        payload = _Payload.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise ParseError(reasons) from exc
    return CallEvent(
        kind=payload.event,
        call_id=payload.call_id,
        at=payload.timestamp,
        caller=payload.caller,
        called=payload.called,
        queue=payload.queue,
        agent=payload.agent.lower(),
        outcome=payload.outcome or "",
        ivr=tuple(payload.ivr),
    )
