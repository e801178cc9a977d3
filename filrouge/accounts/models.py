"""Teams and agents: who owns a case and how to reach them."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A group of agents sharing a queue: a shop, a support line, the disputes desk."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    lead = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    contact_phone = models.CharField(_("internal phone line"), max_length=32, blank=True)
    contact_email = models.EmailField(_("internal e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class AgentManager(BaseUserManager["Agent"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "Agent":
        if not email:
            raise ValueError("An agent needs an e-mail address.")
        agent = self.model(email=self.normalize_email(email).lower(), **extra)
        agent.set_password(password)
        agent.save(using=self._db)
        return agent

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "Agent":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "Agent":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Agent.Role.SUPERVISOR)
        return self._create(email, password, **extra)


class Agent(AbstractUser):
    """A person who answers customers. Logs in with an e-mail address."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Advisor")
        LEAD = "lead", _("Team lead")
        SUPERVISOR = "supervisor", _("Supervisor")

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agents",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    phone_extension = models.CharField(
        _("direct internal line"),
        max_length=32,
        blank=True,
        help_text=_("A number colleagues can really call to reach this advisor."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = AgentManager()  # type: ignore[misc]

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return str(self)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
