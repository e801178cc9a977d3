from django.contrib import admin

from filrouge.partners.models import Partner, PartnerCase


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """Keys are created with `filrouge partner add`; here a partner can be deactivated."""

    list_display = ["name", "key_prefix", "is_active", "created_at", "last_used_at"]
    fields = ["name", "is_active", "key_prefix", "created_at", "last_used_at"]
    readonly_fields = ["name", "key_prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(PartnerCase)
class PartnerCaseAdmin(admin.ModelAdmin):
    list_display = ["partner", "case", "granted_at", "granted_by"]
    list_filter = ["partner"]
    raw_id_fields = ["case", "granted_by"]
    search_fields = ["case__reference"]
