from django.contrib import admin

from filrouge.surveys.models import SurveyAnswer


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(admin.ModelAdmin):
    """Read-only: an answer is the customer's, written once by `answer_survey`."""

    list_display = ("case", "csat", "ces", "nps", "follow_up", "answered_at")
    list_filter = ("follow_up",)
    raw_id_fields = ("case", "customer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
