from django.contrib import admin

from filrouge.statuspage.models import Notice, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "address",
        "channel",
        "postcode",
        "commune",
        "state",
        "created_at",
        "confirmed_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["address", "postcode", "commune"]
    readonly_fields = [
        "code_tries",
        "code_expires_at",
        "confirmations_sent",
        "last_confirmation_at",
    ]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["pk", "update", "subscription", "state", "queued_at", "sent_at", "error"]
    list_filter = ["state"]
    raw_id_fields = ["update", "subscription"]
