from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from filrouge.accounts.models import Agent, ApiToken, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead", "contact_phone", "contact_email"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "team", "role", "is_active"]
    list_filter = ["team", "role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identity"), {"fields": ("first_name", "last_name", "phone_extension")}),
        (_("Team"), {"fields": ("team", "role")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "agent", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["digest", "prefix", "created_at", "last_used_at"]
