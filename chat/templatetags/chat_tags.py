from django import template

from chat import markdown

register = template.Library()


@register.filter
def chat_markdown(text: str):
    """Render a message with the safe Markdown subset of chat.markdown."""
    return markdown.render(text or "")
