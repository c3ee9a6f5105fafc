import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")
application = get_asgi_application()

if not settings.TESTING:
    # Build the active questionnaires' plans now, so the first visitor does not pay for them.
    from questionnaires.plan import warm_in_background

    warm_in_background()
