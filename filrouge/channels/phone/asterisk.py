"""Asterisk's events translated into ours: ARI (Stasis applications) and AMI (the manager).

Both translations are pure functions of one event, so they can be tested on
recorded samples and run wherever the events are read (a small forwarder that
reads ARI's WebSocket or AMI's TCP stream and posts each event, signed, to
`/hooks/phone/asterisk/`). An event that says nothing about a call's life
returns None.

ARI (JSON, https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/Asterisk_REST_Interface/Asterisk_REST_Data_Models/):
- `StasisStart` → call.started (the caller's channel enters our application;
  a channel our application dialled itself carries the app argument "dialed"
  and is skipped: it is the advisor's leg, not a call);
- `ChannelStateChange` with `channel.state == "Up"` → call.answered;
- `ChannelHangupRequest`, `StasisEnd`, `ChannelDestroyed` → call.ended.
The call id is `channel.id`, the caller `channel.caller.number`, the number
called `channel.dialplan.exten`; the queue is the channel variable
`FILROUGE_QUEUE` when the dialplan sets it (ari.conf `channelvars`), else the
dialplan context; `FILROUGE_AGENT` (an advisor's e-mail) and `FILROUGE_IVR`
(keys pressed, comma-separated) likewise.

AMI (key: value lines, given here as a dict): `Newchannel` → call.started,
`QueueCallerJoin` → call.started with its `Queue`, `BridgeEnter` and
`AgentConnect` → call.answered (the latter with `Queue` and, when it is an
e-mail address, `MemberName` as the advisor), `Hangup` → call.ended. The call
id is `Linkedid` (`Uniqueid` of the first channel): events of the other legs of
the call (the advisor's phone ringing...) have another `Uniqueid` and are
skipped. Times come from `Timestamp` (manager.conf `timestampevents = yes`),
else the moment the event was read.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from filrouge.channels.message import ParseError
from filrouge.channels.phone.events import ANSWERED, ENDED, STARTED, CallEvent

ARI_KINDS = {
    "StasisStart": STARTED,
    "ChannelHangupRequest": ENDED,
    "StasisEnd": ENDED,
    "ChannelDestroyed": ENDED,
}
AMI_KINDS = {
    "Newchannel": STARTED,
    "QueueCallerJoin": STARTED,
    "BridgeEnter": ANSWERED,
    "AgentConnect": ANSWERED,
    "Hangup": ENDED,
}
UNKNOWN = {"", "<unknown>", "unknown", "anonymous"}


def from_asterisk(event: Mapping[str, Any], *, received_at: datetime) -> CallEvent | None:
    """An ARI event (it has `type`) or an AMI event (it has `Event`), translated."""
    if "type" in event:
        return from_ari(event)
    if "Event" in event:
        return from_ami(event, received_at=received_at)
    raise ParseError("neither an ARI event (type) nor an AMI event (Event)")


def from_ari(event: Mapping[str, Any]) -> CallEvent | None:
    kind = ARI_KINDS.get(str(event.get("type", "")))
    channel = event.get("channel")
    if not isinstance(channel, Mapping):
        return None
    if event.get("type") == "ChannelStateChange" and channel.get("state") == "Up":
        kind = ANSWERED
    if kind is None:
        return None
    if kind == STARTED and list(event.get("args") or [])[:1] == ["dialed"]:
        return None
    variables = channel.get("channelvars") or {}
    dialplan = channel.get("dialplan") or {}
    caller = (channel.get("caller") or {}).get("number", "")
    return CallEvent(
        kind=kind,
        call_id=_required(channel.get("id"), "channel.id"),
        at=_ari_time(event.get("timestamp")),
        caller=_number(caller),
        called=str(dialplan.get("exten", ""))[:32],
        queue=str(variables.get("FILROUGE_QUEUE") or dialplan.get("context", ""))[:80],
        agent=str(variables.get("FILROUGE_AGENT", "")).strip().lower()[:254],
        ivr=tuple(
            k.strip() for k in str(variables.get("FILROUGE_IVR", "")).split(",") if k.strip()
        ),
    )


def from_ami(event: Mapping[str, Any], *, received_at: datetime) -> CallEvent | None:
    name = str(event.get("Event", ""))
    kind = AMI_KINDS.get(name)
    if kind is None:
        return None
    unique = str(event.get("Uniqueid", ""))
    call_id = str(event.get("Linkedid") or unique)
    if name != "AgentConnect" and unique != call_id:
        return None  # another leg of the call (the advisor's phone), not the caller's
    member = str(event.get("MemberName", "")).strip().lower()
    return CallEvent(
        kind=kind,
        call_id=_required(call_id, "Linkedid/Uniqueid"),
        at=_ami_time(event.get("Timestamp"), received_at),
        caller=_number(event.get("CallerIDNum", "")),
        called=str(event.get("Exten", "") if name == "Newchannel" else "")[:32],
        queue=str(event.get("Queue", ""))[:80],
        agent=member[:254] if "@" in member else "",
    )


def _required(value: Any, what: str) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 128:
        raise ParseError(f"{what} is missing or too long")
    return text


def _number(value: Any) -> str:
    text = str(value or "").strip()
    return "" if text.lower() in UNKNOWN else text[:32]


def _ari_time(value: Any) -> datetime:
    """ARI's "2026-03-02T09:15:03.123+0100" (an offset without colon)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ParseError(f"timestamp {value!r} is not a date") from exc
    if moment.tzinfo is None:
        raise ParseError("timestamp has no time zone")
    return moment


def _ami_time(value: Any, received_at: datetime) -> datetime:
    if value in (None, ""):
        return received_at
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ParseError(f"Timestamp {value!r} is not a Unix time") from exc
