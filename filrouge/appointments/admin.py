from django.contrib import admin

from filrouge.appointments.models import Appointment, Slot


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["area", "date", "half_day", "capacity", "booked"]
    list_filter = ["half_day"]
    date_hierarchy = "date"
    # `booked` only moves through the booking services (a conditional UPDATE).
    readonly_fields = ["booked"]
    raw_id_fields = ["area"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["case", "slot", "state", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["case", "customer", "slot", "address", "promise", "moved_from"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # appointments change through the services, with a timeline event
