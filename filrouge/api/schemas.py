"""The API's public shapes. Inputs are strict: unknown fields are refused, texts bounded.

Bounds are those of the database (a 201-character subject would be a
database error on PostgreSQL, and a 500 is never an answer to bad input),
and texts may not carry what PostgreSQL refuses to store (NUL, lone
surrogates).
"""

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

from filrouge.cases.models import Intent, Priority, Status
from filrouge.customers.models import Channel

MAX_ID = 2**63 - 1


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("Text must be valid Unicode.") from exc
    return value


Storable = AfterValidator(_storable)
Short = Annotated[str, Field(min_length=1, max_length=200), Storable]
Reason = Annotated[str, Field(max_length=500), Storable]
HandoverNote = Annotated[str, Field(min_length=1, max_length=5_000), Storable]
Message = Annotated[str, Field(min_length=1, max_length=20_000), Storable]
OptionalMessage = Annotated[str, Field(max_length=20_000), Storable]
Email = Annotated[str, Field(min_length=3, max_length=254), Storable]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="The case version you last read.")]
AgentRef = Annotated[
    Id | Email,
    Field(description="An agent's id, or their e-mail address."),
]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# --- inputs -----------------------------------------------------------------


class CaseIn(Input):
    customer: Id
    subject: Short
    intent: Intent = Intent.OTHER
    channel: Channel
    line: Id | None = None
    first_message: OptionalMessage = ""
    owner: AgentRef | None = Field(
        default=None,
        description="Omitted: the caller owns the case. null: it waits in the unassigned queue.",
    )
    team: Id | None = None
    priority: Priority = Priority.NORMAL


class StatusIn(Input):
    to: Status
    reason: Reason = ""
    version: Version


class NoteIn(Input):
    text: Message
    version: Version | None = Field(None, description="If given, refused when stale.")


class MergeIn(Input):
    into: Id = Field(description="The real customer the unidentified sender is.")
    note: Reason = ""


class ReplyIn(Input):
    channel: Channel
    body: Message
    version: Version


class HandoverIn(Input):
    to: AgentRef
    note: HandoverNote
    team: Id | None = None
    version: Version


class PromiseIn(Input):
    description: Short
    due_at: AwareDatetime
    version: Version | None = Field(None, description="If given, refused when stale.")


class KeepIn(Input):
    version: Version | None = Field(None, description="If given, refused when stale.")


class BreakIn(KeepIn):
    reason: Reason = ""


# --- outputs ----------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class CustomerRef(Schema):
    id: int
    name: str
    account_number: str


class LineRef(Schema):
    id: int
    number: str
    product: str


class OwnerOut(Schema):
    id: int
    name: str
    email: str
    contact: str = Field(description="How a colleague reaches them: a line that answers.")
    team: Ref | None


class CaseItem(Schema):
    reference: str
    subject: str
    status: str
    priority: int
    intent: str
    channel: str
    owner: Ref | None
    team: Ref | None
    customer: CustomerRef
    version: int
    created_at: datetime
    updated_at: datetime


class CasePage(Schema):
    items: list[CaseItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class EventOut(Schema):
    id: int
    kind: str
    created_at: datetime
    actor: str = Field(description="Who acted, as a person reads it.")
    actor_id: int | None = Field(description="The agent who acted, if an agent did.")
    visibility: str
    channel: str
    data: dict[str, Any]
    text: str = Field(description="The event as a sentence, in the request's language.")


class PromiseOut(Schema):
    id: int
    description: str
    due_at: datetime
    state: str
    made_by: Ref
    made_at: datetime
    settled_at: datetime | None


class HeaderOut(Schema):
    owner: OwnerOut | None
    next_step: str
    next_step_due: datetime | None
    open_promises: list[PromiseOut]
    settled_promises: list[PromiseOut]
    escalated_at: datetime | None


class CaseDetail(CaseItem):
    line: LineRef | None
    resolved_at: datetime | None
    allowed_statuses: list[str]
    header: HeaderOut
    timeline: list[EventOut]


class CaseOut(Schema):
    case: CaseItem


class EventCreated(Schema):
    case: CaseItem
    event: EventOut


class PromiseChanged(Schema):
    case: CaseItem
    promise: PromiseOut


class ContactOut(Schema):
    kind: str
    value: str
    display: str
    is_primary: bool


class CustomerItem(CustomerRef):
    contact_points: list[ContactOut]


class CustomerPage(Schema):
    items: list[CustomerItem]


class AddressOut(Schema):
    id: int
    line1: str
    line2: str
    postcode: str
    commune: str
    valid_from: date
    valid_to: date | None
    is_current: bool


class LineOut(LineRef):
    status: str
    service_address: str | None
    network_element: str | None


class CustomerDetail(CustomerItem):
    first_name: str
    last_name: str
    preferred_channel: str
    created_at: datetime
    current_address: AddressOut | None
    addresses: list[AddressOut]
    lines: list[LineOut]
    open_cases: list[CaseItem]


class MergeOut(Schema):
    id: int
    prospect: CustomerRef
    into: CustomerRef
    merged_by: str
    merged_at: datetime
    note: str
    moved: dict[str, int] = Field(description="Rows moved per model, e.g. `cases.case`.")
    cases: list[str] = Field(description="References of the cases moved.")


class ErrorOut(Schema):
    detail: str
