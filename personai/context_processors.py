from django.conf import settings

from personai import llm


def site(request):
    model, is_demo = llm.chat_model()  # settings only: no network, no model loading
    return {
        "SITE_NAME": "Personai",
        "DEBUG": settings.DEBUG,
        "LLM_MODEL_NAME": model,
        "LLM_IS_DEMO": is_demo,
    }
