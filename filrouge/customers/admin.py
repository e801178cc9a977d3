from django.contrib import admin

from filrouge.customers.models import Address, ContactPoint, Customer, Line


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["account_number", "last_name", "first_name", "preferred_channel"]
    search_fields = ["account_number", "search_name"]
    inlines = [ContactPointInline, AddressInline]
    readonly_fields = ["search_name"]

    def save_model(self, request, obj, form, change):
        from filrouge.customers.services import search_name_for

        obj.search_name = search_name_for(obj.first_name, obj.last_name)
        super().save_model(request, obj, form, change)


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):
    list_display = ["number", "product", "customer", "status", "network_element"]
    list_filter = ["product", "status"]
    search_fields = ["number"]
    raw_id_fields = ["customer", "service_address", "network_element"]
