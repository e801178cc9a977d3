"""Supervisors see what failed or died here, and give it a second chance."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from filrouge.channels.models import InboundMessage, OptOut, OutboundMessage
from filrouge.channels.services import retry_deliveries, retry_inbound


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnly):
    list_display = ["received_at", "channel", "sender", "state", "reason", "route", "case"]
    list_filter = ["state", "channel", "reason", "route"]
    search_fields = ["external_id", "sender"]
    exclude = ["payload"]
    raw_id_fields = ["customer", "case", "event"]
    actions = ["retry"]

    @admin.action(description=_("Process the failed messages again"))
    def retry(self, request, queryset):
        count = retry_inbound(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d message queued.", "%(count)d messages queued.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnly):
    list_display = ["created_at", "channel", "recipient", "state", "attempts", "case"]
    list_filter = ["state", "channel"]
    search_fields = ["external_id", "recipient"]
    raw_id_fields = ["event", "case"]
    actions = ["retry"]

    @admin.action(description=_("Send the dead letters again"))
    def retry(self, request, queryset):
        count = retry_deliveries(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d answer queued.", "%(count)d answers queued.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(OptOut)
class OptOutAdmin(ReadOnly):
    """Who sent STOP, and when. Removed only by the customer's own START."""

    list_display = ["opted_out_at", "channel", "address", "keyword"]
    list_filter = ["channel"]
    search_fields = ["address"]
    raw_id_fields = ["inbound"]
