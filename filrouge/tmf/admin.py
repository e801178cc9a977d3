from django.contrib import admin

from filrouge.tmf.models import Hub, HubDelivery, PartnerCall, PartnerEndpoint, PartnerTicket


@admin.register(PartnerCall)
class PartnerCallAdmin(admin.ModelAdmin):
    """The audit of partners' calls: read only."""

    list_display = ["at", "partner", "method", "path", "status"]
    list_filter = ["partner", "status", "method"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    list_display = ["callback", "partner", "query", "created_at"]
    exclude = ["secret"]
    readonly_fields = ["created_at"]


@admin.register(HubDelivery)
class HubDeliveryAdmin(admin.ModelAdmin):
    """Events sent to listeners; the dead ones (given up) are found here."""

    list_display = ["created_at", "event_type", "hub", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "event_type"]
    readonly_fields = [f.name for f in HubDelivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PartnerEndpoint)
class PartnerEndpointAdmin(admin.ModelAdmin):
    list_display = ["partner", "base_url"]
    fields = ["partner", "base_url", "their_key"]


@admin.register(PartnerTicket)
class PartnerTicketAdmin(admin.ModelAdmin):
    list_display = ["their_id", "partner", "case", "status", "expected_resolution", "resolved_at"]
    list_filter = ["partner", "status"]
    raw_id_fields = ["case", "opened_by"]
    search_fields = ["their_id", "case__reference"]
