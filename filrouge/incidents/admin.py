from django.contrib import admin

from filrouge.incidents.models import Incident, IncidentCase, IncidentUpdate


class UpdateInline(admin.TabularInline):
    model = IncidentUpdate
    extra = 0


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "kind", "status", "impact", "started_at"]
    list_filter = ["kind", "status", "impact"]
    search_fields = ["reference", "title", "partner_reference"]
    inlines = [UpdateInline]


@admin.register(IncidentCase)
class IncidentCaseAdmin(admin.ModelAdmin):
    list_display = ["incident", "case", "linked_at", "unlinked_at"]
