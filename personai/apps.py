from django.apps import AppConfig


class PersonaiConfig(AppConfig):
    name = "personai"
    verbose_name = "Personai infrastructure"
