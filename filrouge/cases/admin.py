from django.contrib import admin

from filrouge.cases.models import Case, Event, Promise


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "subject", "customer", "status", "priority", "owner", "team"]
    list_filter = ["status", "intent", "priority", "team"]
    search_fields = ["reference", "subject"]
    raw_id_fields = ["customer", "line", "owner"]
    readonly_fields = ["reference", "status", "version", "created_at", "updated_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the timeline is append-only, even for administrators."""

    list_display = ["created_at", "case", "kind", "visibility", "actor", "actor_label"]
    list_filter = ["kind", "visibility"]
    raw_id_fields = ["case", "customer", "actor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ["description", "case", "made_by", "due_at", "state"]
    list_filter = ["state"]
    raw_id_fields = ["case", "made_by", "settled_by"]
