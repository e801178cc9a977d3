"""The demo's people: five teams with their leads and internal lines, advisors, a supervisor.

Every demo login shares one password: `FILROUGE_DEMO_PASSWORD` if set, else
the one generated on the first load and kept in `var/demo_password` (like the
development secret key) so that later runs can print working logins again.
Hashing is slow on purpose (PBKDF2), so the hash is computed once and shared.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from faker import Faker

from filrouge.accounts.models import Agent, Team
from filrouge.core.demo.catalogue import SUPERVISOR_EMAIL, SUPERVISOR_NAME, TEAMS
from filrouge.core.demo.drafts import Staff, TeamInfo
from filrouge.core.demo.stories import StaffBook

DEMO_DOMAIN = "@demo.example"


@dataclass(frozen=True)
class Password:
    value: str | None  # None: unknown (users kept the password they had)
    source: str  # "env", "file" or "generated"


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_password"


def demo_password(*, create: bool) -> Password:
    if value := os.environ.get("FILROUGE_DEMO_PASSWORD", "").strip():
        return Password(value, "env")
    path = password_file()
    if path.exists():
        return Password(path.read_text().strip(), "file")
    if not create:
        return Password(None, "file")
    value = secrets.token_urlsafe(12)
    path.write_text(value)
    path.chmod(0o600)
    return Password(value, "generated")


def agent_email(n: int) -> str:
    return f"agent{n}{DEMO_DOMAIN}"


def agent_phone(n: int) -> str:
    return f"01 70 {80 + n // 10_000:02d} {n // 100 % 100:02d} {n % 100:02d}"


def agent_count(customers: int) -> int:
    """About one advisor per 500 customers, at least ten, at most two thousand."""
    return max(10, min(2_000, customers // 500))


def ensure_staff(*, agents: int, password: Password, seed: int = 7) -> StaffBook:
    """Create what is missing (teams, leads, supervisor, agent1…agentN); never duplicate.

    Existing demo users keep their password unless one is given in the environment
    or a new one was just generated (then the old one was never printed here, and
    the logins printed at the end must work).
    """
    encoded = make_password(password.value) if password.value else None
    reset = password.source in {"env", "generated"}
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    teams: dict[str, Team] = {}
    for spec in TEAMS:
        team, _ = Team.objects.update_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "contact_phone": spec.phone, "contact_email": spec.email},
        )
        lead = _user(
            spec.lead_email,
            *spec.lead_name,
            encoded,
            reset,
            role=Agent.Role.LEAD,
            team=team,
            phone_extension=spec.phone[:-2] + "01",
        )
        if team.lead_id != lead.pk:
            team.lead = lead
            team.save(update_fields=["lead"])
        teams[spec.slug] = team
    _user(
        SUPERVISOR_EMAIL,
        *SUPERVISOR_NAME,
        encoded,
        reset,
        role=Agent.Role.SUPERVISOR,
        is_staff=True,
        is_superuser=True,
        phone_extension="01 70 99 00 01",
    )
    existing = {a.email: a for a in Agent.objects.filter(email__endswith=DEMO_DOMAIN)}
    missing = []
    for n in range(1, agents + 1):
        first, last = fake.first_name(), fake.last_name()
        if agent_email(n) in existing:
            continue
        spec = TEAMS[(n - 1) % len(TEAMS)]
        missing.append(
            Agent(
                email=agent_email(n),
                first_name=first,
                last_name=last,
                password=encoded or "!",
                team=teams[spec.slug],
                role=Agent.Role.AGENT,
                phone_extension=agent_phone(n),
            )
        )
    Agent.objects.bulk_create(missing, batch_size=500)
    if reset and encoded:
        Agent.objects.filter(email__endswith=DEMO_DOMAIN).update(password=encoded)
    return staff_book()


def _user(email, first, last, encoded, reset, **fields) -> Agent:
    user = Agent.objects.filter(email=email).first()
    if user is None:
        return Agent.objects.create(
            email=email, first_name=first, last_name=last, password=encoded or "!", **fields
        )
    if reset and encoded:
        user.password = encoded
        user.save(update_fields=["password"])
    return user


def staff_book() -> StaffBook:
    """The demo advisors as light records the stories can hand cases between."""
    teams = {}
    for team in Team.objects.filter(slug__in=[t.slug for t in TEAMS]).select_related("lead"):
        lead = team.lead
        info = TeamInfo(team.pk, team.slug, team.name)
        if lead is not None:
            info.lead = Staff(lead.pk, lead.display_name, info, lead.phone_extension)
        teams[team.slug] = info
    agents: dict[str, list[Staff]] = {slug: [] for slug in teams}
    by_id = {info.id: info for info in teams.values()}
    rows = Agent.objects.filter(email__startswith="agent", email__endswith=DEMO_DOMAIN)
    for agent in rows.order_by("pk"):
        info = by_id.get(agent.team_id)
        if info is not None:
            agents[info.slug].append(
                Staff(agent.pk, agent.display_name, info, agent.phone_extension)
            )
    return StaffBook(teams, agents)


def agent_by_email(book: StaffBook, email: str) -> Staff:
    agent = Agent.objects.get(email=email)
    for pool in book.agents.values():
        for staff in pool:
            if staff.id == agent.pk:
                return staff
    raise LookupError(email)


def logins() -> list[tuple[str, str, str]]:
    """(e-mail, role, team) of the demo users worth printing: supervisor, leads, a few agents."""
    users = Agent.objects.filter(email__endswith=DEMO_DOMAIN).select_related("team")
    wanted = [
        SUPERVISOR_EMAIL,
        *[agent_email(n) for n in range(1, 6)],
        *[t.lead_email for t in TEAMS],
    ]
    found = {u.email: u for u in users.filter(email__in=wanted)}
    return [
        (
            email,
            found[email].get_role_display(),
            found[email].team.name if found[email].team else "",
        )
        for email in wanted
        if email in found
    ]
