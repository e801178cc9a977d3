"""Raw e-mails and normalised messages for tests, built explicitly in each test."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from filrouge.channels.message import Message, Sender
from filrouge.customers.models import Channel


def raw_mail(
    *,
    sender: str = "Anne Client <anne@exemple.fr>",
    subject: str = "Bonjour",
    body: str = "Bonjour, j'ai une question.",
    message_id: str | None = None,
    **headers: str,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "service-client@filrouge.example"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = message_id or make_msgid(domain="exemple.fr")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


def message(
    *,
    email: str = "anne@exemple.fr",
    subject: str = "Bonjour",
    text: str = "Bonjour, j'ai une question.",
    **fields,
) -> Message:
    return Message(
        channel=Channel.EMAIL,
        external_id=fields.pop("external_id", make_msgid(domain="exemple.fr")[1:-1]),
        sender=Sender(email=email, name=fields.pop("name", "")),
        received_at=timezone.now(),
        subject=subject,
        text=text,
        **fields,
    )


def processing_tasks() -> list[int]:
    """The inbound ids of the `process_inbound` tasks waiting in the database task queue."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path="filrouge.channels.tasks.process_inbound", status="READY"
    ).order_by("enqueued_at")
    return [row.args_kwargs["args"][0] for row in waiting]
