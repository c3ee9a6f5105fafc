from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Registers the OpenAPI description of ApiKeyAuthentication with drf-spectacular.
        from accounts import (
            schema,  # noqa: F401
            selectors,
        )
        from accounts.models import ApiKey, User

        # A key revoked or an account deactivated in this process stops authenticating at once.
        for model in (ApiKey, User):
            for signal in (post_save, post_delete):
                signal.connect(
                    selectors.remembered_rows_forget,
                    sender=model,
                    dispatch_uid=f"accounts.remembered_rows_forget_{model.__name__}_{signal is post_save}",
                )
