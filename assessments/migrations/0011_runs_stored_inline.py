from django.db import migrations


class Migration(migrations.Migration):
    """A scored run's row (~2.5 KB: the answers it scored and its result) stays inline and
    uncompressed: above the default 2 KB target PostgreSQL compresses it on every write, which
    cost ten times the rest of the row's update in a scoring batch (bench/README.md)."""

    dependencies = [
        ("assessments", "0010_score_scale_columns"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE assessments_analysisrun SET (toast_tuple_target = 8160)",
            reverse_sql="ALTER TABLE assessments_analysisrun RESET (toast_tuple_target)",
        ),
    ]
