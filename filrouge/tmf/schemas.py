"""TMF621 shapes for the OpenAPI document and for checking what is posted.

Output shapes are documented here; the views build the JSON themselves (a
projection drops fields, which a fixed response model would fill with nulls).
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field

from filrouge.cases.models import Intent, Status
from filrouge.customers.models import Channel
from filrouge.tmf.resource import PRIORITIES, SEVERITIES


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


Severity = Annotated[
    Literal[tuple(SEVERITIES)],  # type: ignore[valid-type]
    BeforeValidator(_lower),
    Field(description="Critical, Major, Minor or Warning (any case)."),
]
PriorityName = Annotated[
    Literal[tuple(PRIORITIES)],  # type: ignore[valid-type]
    BeforeValidator(_lower),
    Field(description="urgent, high, normal or low; overrides the severity's priority."),
]
TicketType = Annotated[
    Literal[tuple(Intent.values)],  # type: ignore[valid-type]
    BeforeValidator(_lower),
    Field(description="What the ticket is about: " + ", ".join(Intent.values) + "."),
]
StatusName = Literal[tuple(Status.values)]  # type: ignore[valid-type]
Text = Annotated[str, Field(max_length=4000)]


class TmfSchema(Schema):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TicketNote(TmfSchema):
    id: str | None = None
    author: Annotated[str, Field(max_length=80)] | None = None
    date: datetime | None = None
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    type_: str | None = Field(None, alias="@type")


class TicketChannel(TmfSchema):
    id: str | None = None
    name: Literal[tuple(Channel.values)]  # type: ignore[valid-type]
    type_: str | None = Field(None, alias="@type")


class TicketExternalIdentifier(TmfSchema):
    id: Annotated[str, Field(min_length=1, max_length=100)]
    owner: str | None = None
    externalIdentifierType: str | None = None
    type_: str | None = Field(None, alias="@type")


class TicketAttachment(TmfSchema):
    """An attachment by value: `content` is the file in base64 (a `url` alone is refused)."""

    id: str | None = None
    href: str | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=500)] | None = None
    attachmentType: Annotated[str, Field(max_length=60)] | None = None
    mimeType: Annotated[str, Field(max_length=127)] | None = None
    content: str | None = Field(None, description="The file, base64 (PDF, JPEG or PNG).")
    url: Annotated[str, Field(max_length=500)] | None = None
    size: dict[str, Any] | None = None
    creationDate: datetime | None = None
    type_: str | None = Field(None, alias="@type")


class TicketRelationship(TmfSchema):
    id: Annotated[str, Field(min_length=1, max_length=40)]
    relationshipType: Annotated[str, Field(min_length=1, max_length=40)]
    href: str | None = None
    type_: str | None = Field(None, alias="@type")


Attachments = Annotated[
    list[TicketAttachment] | None,
    Field(None, max_length=10, description="Files by value; those with an id are kept."),
]
Relationships = Annotated[
    list[TicketRelationship] | None,
    Field(None, max_length=10, description="Other tickets (ids) this one relates to."),
]


class TroubleTicketCreate(TmfSchema):
    description: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    severity: Severity
    ticketType: TicketType
    name: Annotated[str, Field(max_length=200)] | None = None
    priority: PriorityName | None = None
    channel: TicketChannel | None = None
    note: list[TicketNote] | None = Field(None, max_length=20)
    relatedParty: list[dict[str, Any]] | None = Field(
        None,
        max_length=10,
        description="For the operator's systems: the customer, "
        '`{"role": "customer", "partyOrPartyRole": {"id": "<account number>"}}`. '
        "A partner's tickets go on its own file.",
    )
    externalIdentifier: list[TicketExternalIdentifier] | None = Field(None, max_length=5)
    relatedEntity: list[dict[str, Any]] | None = Field(None, max_length=10)
    attachment: Attachments = None
    requestedResolutionDate: datetime | None = None
    troubleTicketRelationship: Relationships = None
    type_: Literal["TroubleTicket"] | None = Field(None, alias="@type")


class TroubleTicketUpdate(TmfSchema):
    """A JSON merge-patch (RFC 7386): only what is sent changes."""

    status: StatusName | None = None
    statusChangeReason: Annotated[str, Field(max_length=200)] | None = None
    severity: Severity | None = None
    priority: PriorityName | None = None
    note: list[TicketNote] | None = Field(
        None, max_length=20, description="Notes without an id are added; those with one are kept."
    )
    externalIdentifier: list[TicketExternalIdentifier] | None = Field(None, max_length=5)
    expectedResolutionDate: datetime | None = None
    requestedResolutionDate: datetime | None = None
    troubleTicketRelationship: Relationships = None
    attachment: Attachments = None
    type_: Literal["TroubleTicket"] | None = Field(None, alias="@type")


class TroubleTicket(Schema):
    """A trouble ticket (a Fil Rouge case). With `fields=`, only those plus id, href, @type."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    name: str | None = None
    description: str | None = None
    severity: str | None = None
    ticketType: str | None = None
    priority: str | None = None
    channel: dict[str, Any] | None = None
    status: str | None = None
    statusChangeReason: str | None = None
    statusChangeHistory: list[dict[str, Any]] | None = None
    creationDate: str | None = None
    lastUpdate: str | None = None
    expectedResolutionDate: str | None = None
    requestedResolutionDate: str | None = None
    resolutionDate: str | None = None
    note: list[dict[str, Any]] | None = None
    attachment: list[dict[str, Any]] | None = None
    relatedEntity: list[dict[str, Any]] | None = None
    relatedParty: list[dict[str, Any]] | None = None
    externalIdentifier: list[dict[str, Any]] | None = None
    troubleTicketRelationship: list[dict[str, Any]] | None = None


class TmfErrorBody(Schema):
    """TMF630 error body."""

    code: str
    reason: str
    message: str
    status: str
    type_: str = Field("Error", alias="@type")


class TmfHubIn(TmfSchema):
    callback: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://")]
    query: Annotated[str, Field(max_length=500)] | None = None


class TmfHubOut(Schema):
    id: str
    callback: str
    query: str | None = None
