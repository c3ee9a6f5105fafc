from django.db import migrations

VIEW_SQL = """
CREATE VIEW subject_trait_average_v AS
WITH latest_run AS (
    SELECT DISTINCT ON (run.session_id) run.id AS run_id, run.session_id
    FROM assessments_analysisrun run
    WHERE run.status = 'done'
    ORDER BY run.session_id, run.created_at DESC
)
SELECT session.subject_id,
       session.questionnaire_version_id,
       session.respondent_kind,
       score.dimension_id,
       count(*)::integer AS session_count,
       avg(score.raw_score) AS mean_raw,
       avg(score.normalized_score) AS mean_normalized,
       stddev_samp(score.raw_score) AS sd_raw
FROM latest_run
JOIN assessments_assessmentsession session ON session.id = latest_run.session_id
JOIN assessments_traitscore score ON score.run_id = latest_run.run_id
GROUP BY session.subject_id, session.questionnaire_version_id, session.respondent_kind, score.dimension_id
"""


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [
        migrations.RunSQL(VIEW_SQL, reverse_sql="DROP VIEW IF EXISTS subject_trait_average_v"),
    ]
