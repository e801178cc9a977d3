from django.contrib import admin

from filrouge.triage.models import AutoAcknowledgement, TriageCorrection


@admin.register(TriageCorrection)
class TriageCorrectionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "predicted", "intent", "by", "case")
    list_filter = ("predicted", "intent")
    raw_id_fields = ("case", "event", "by")


@admin.register(AutoAcknowledgement)
class AutoAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ("created_at", "case", "incident", "update")
    raw_id_fields = ("case", "incident", "update", "event")
