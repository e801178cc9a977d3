from django.contrib import admin

from filrouge.notifications.models import Notification, NotificationItem, Preference


class ItemInline(admin.TabularInline):
    model = NotificationItem
    raw_id_fields = ["event"]
    extra = 0
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["pk", "case", "channel", "state", "reason", "essential", "due_at", "sent_at"]
    list_filter = ["state", "channel", "reason", "essential"]
    search_fields = ["case__reference"]
    raw_id_fields = ["case", "customer", "message"]
    inlines = [ItemInline]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["customer", "unsubscribed_at", "incident_sms_at_night", "updated_at"]
    raw_id_fields = ["customer"]
