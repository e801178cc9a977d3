from django.contrib import admin

from filrouge.selfcare.models import CancellationRequest


@admin.register(CancellationRequest)
class CancellationRequestAdmin(admin.ModelAdmin):
    """Read-only: a request is changed only by working its case."""

    list_display = ["case", "line", "received_at", "end_date", "reason"]
    list_filter = ["reason"]
    search_fields = ["case__reference", "line__number", "customer__account_number"]
    list_select_related = ["case", "line"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
