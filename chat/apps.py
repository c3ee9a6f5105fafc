from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self) -> None:
        # Search: row languages and embeddings follow every write of messages and artifacts.
        from chat.search import indexing

        indexing.connect()
