from django.contrib import admin

from filrouge.network.models import Area, NetworkElement


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["postcode", "commune", "insee_code"]
    search_fields = ["postcode", "commune"]


@admin.register(NetworkElement)
class NetworkElementAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "name", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    filter_horizontal = ["areas"]
