"""Subject averages leave answers flagged as likely duplicates out.

The view feeds the subject page and `GET /subjects/{id}/averages/`, where an average of anonymous
answers is shown only at or above min-n sessions: a second answer from the same network and
browser must not help an average over that floor. (A survey's own page and export follow the
owner's choice instead, and never count likely duplicates towards min-n either.)
"""

from django.db import migrations

VIEW_SQL = """
CREATE OR REPLACE VIEW subject_trait_average_v AS
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
WHERE NOT session.likely_duplicate
GROUP BY session.subject_id, session.questionnaire_version_id, session.respondent_kind, score.dimension_id
"""

PREVIOUS_SQL = VIEW_SQL.replace("WHERE NOT session.likely_duplicate\n", "")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_survey_invitations_and_likely_duplicates")]
    operations = [migrations.RunSQL(VIEW_SQL, reverse_sql=PREVIOUS_SQL)]
