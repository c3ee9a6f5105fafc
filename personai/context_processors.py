from django.conf import settings

from personai import llm


def site(request):
    # describe() reads configuration only (no network), so it is cheap on every page.
    model = llm.describe()
    return {
        "SITE_NAME": "Personai",
        "DEBUG": settings.DEBUG,
        "LLM_MODEL_NAME": model.get("model"),
        "LLM_IS_DEMO": model.get("is_demo", False),
    }
