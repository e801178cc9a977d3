from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "filrouge.incidents"
    verbose_name = _("Network incidents")

    def ready(self) -> None:
        from filrouge.cases import hooks
        from filrouge.channels import filing
        from filrouge.core import slots
        from filrouge.incidents import fanout, linking, panels, services, timeline

        hooks.on_case_opened(linking.link_new_cases)
        # After triage (whatever the order of the apps): the intent it reads decides.
        filing.register(linking.link_filed, last=True)
        services.update_published.connect(
            fanout.on_update_published, dispatch_uid="incidents.fanout"
        )
        slots.fill("case.banner", "incidents/case_banner.html", panels.case_banner)
        timeline.register()
