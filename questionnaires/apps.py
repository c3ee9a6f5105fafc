from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"

    def ready(self) -> None:
        from questionnaires import plan

        # An edit of a dimension, threshold or composite changes the analysis model's plan key.
        for part in plan.MODEL_PARTS:
            uid = f"questionnaires.plan_key_{part.__name__}"
            post_save.connect(plan.touch_analysis_model, sender=part, dispatch_uid=uid + "_save")
            post_delete.connect(plan.touch_analysis_model, sender=part, dispatch_uid=uid + "_delete")
