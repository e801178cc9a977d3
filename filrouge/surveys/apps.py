from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "filrouge.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from filrouge.notifications import compose
        from filrouge.surveys import links, timeline  # noqa: F401 - registers its formatter

        # The resolution notice carries the survey link (see `links.survey_lines`).
        compose.EXTRA_LINES.append(links.survey_lines)
