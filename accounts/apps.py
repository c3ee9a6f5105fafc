from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Registers the OpenAPI description of ApiKeyAuthentication with drf-spectacular.
        from accounts import schema  # noqa: F401
