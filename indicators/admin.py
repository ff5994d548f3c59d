from typing import Any

from django.contrib import admin

from indicators.models import Category, Framework, LibraryEntry


class CategoryInline(admin.TabularInline[Category, Any]):
    model = Category
    extra = 0
    fields = ["level", "parent", "name", "short_name", "order", "is_core", "score_weight"]
    fk_name = "framework"


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin[Framework]):
    list_display = ["name", "version", "code", "is_default"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = [
        "name",
        "short_name",
        "level",
        "parent",
        "framework",
        "order",
        "is_core",
        "score_weight",
    ]
    list_filter = ["framework", "level"]
    search_fields = ["name", "short_name"]
    list_select_related = ["parent", "framework"]


@admin.register(LibraryEntry)
class LibraryEntryAdmin(admin.ModelAdmin[LibraryEntry]):
    list_display = ["name", "category", "usage_count"]
    list_filter = ["category__framework"]
    search_fields = ["name"]
    list_select_related = ["category"]
