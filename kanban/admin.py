from django.contrib import admin

from kanban.models import Board, Card, Column, Label, Swimlane


class ColumnInline(admin.TabularInline):
    model = Column
    extra = 0


class SwimlaneInline(admin.TabularInline):
    model = Swimlane
    extra = 0


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "archive_after_days"]
    inlines = [ColumnInline, SwimlaneInline]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "color"]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "board", "column", "position", "archived_at"]
    list_filter = ["team"]
    search_fields = ["title", "source_id"]
    raw_id_fields = ["board", "column", "swimlane", "assignees", "labels", "created_by"]
