from django.contrib import admin

from filrouge.fieldops.models import Shipment


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["case", "item", "state", "carrier", "tracking_number", "expected_on"]
    list_filter = ["state", "item", "carrier"]
    search_fields = ["tracking_number"]
    raw_id_fields = ["case", "customer", "address", "redirect_to"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # shipments change through the services, with a timeline event
