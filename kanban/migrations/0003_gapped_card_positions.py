from django.db import migrations, models

# Kept here, not imported: a migration must not change when the services' constant does.
GAP = 1024


def spread_positions(apps, schema_editor):
    """Dense positions 0..n-1 become 0, 1024, 2048...: the same order, with room between cards."""
    Card = apps.get_model("kanban", "Card")
    Card.objects.update(position=models.F("position") * GAP)


def squeeze_positions(apps, schema_editor):
    """Back to dense positions per column (archived cards at the end), as the old code expects."""
    Card = apps.get_model("kanban", "Card")
    column_ids = Card.objects.values_list("column_id", flat=True).distinct()
    for column_id in column_ids:
        cards = list(Card.objects.filter(column_id=column_id).order_by(models.F("archived_at").asc(nulls_first=True), "position", "id"))
        for number, card in enumerate(cards):
            card.position = number
        Card.objects.bulk_update(cards, ["position"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("kanban", "0002_card_checklist_counts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="card",
            name="position",
            field=models.BigIntegerField(default=0, help_text="Sort key in the column (ascending), not an index."),
        ),
        migrations.RunPython(spread_positions, squeeze_positions),
    ]
