from django.conf import settings


def site(request):
    return {"SITE_NAME": "Personai", "DEBUG": settings.DEBUG}
