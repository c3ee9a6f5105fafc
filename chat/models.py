"""Models of the chat app (built by its own issue)."""
