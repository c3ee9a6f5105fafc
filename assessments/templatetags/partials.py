"""Named fragments of a page template, for htmx (STYLE habit 12).

    {% load partials %}
    {% partialdef progress inline %}<div id="progress">…</div>{% endpartialdef %}
    {% partialdef question %}…{% endpartialdef %}      {# defined here, rendered below #}
    {% for question in questions %}{% partial question %}{% endfor %}

A view renders the whole page, or — for an htmx request — one or more fragments of the same
template with `render_partials()`. The syntax is Django 6.0's built-in `{% partialdef %}` /
`{% partial %}`, so this module can go once the project moves to Django 6.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.http import HttpRequest, HttpResponse
from django.template.context import make_context
from django.template.loader import get_template

register = template.Library()

_PARTIALS = "partials"


class PartialDefNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList, inline: bool) -> None:
        self.name = name
        self.nodelist = nodelist
        self.inline = inline

    def render(self, context) -> str:
        return self.nodelist.render(context) if self.inline else ""


class PartialNode(template.Node):
    def __init__(self, name: str, partials: dict[str, PartialDefNode]) -> None:
        self.name = name
        self.partials = partials  # filled while the rest of the template is parsed

    def render(self, context) -> str:
        node = self.partials.get(self.name)
        if node is None:
            raise template.TemplateSyntaxError(f"No {{% partialdef {self.name} %}} in this template.")
        return node.nodelist.render(context)


@register.tag
def partialdef(parser, token):
    bits = token.split_contents()
    if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] != "inline"):
        raise template.TemplateSyntaxError("Usage: {% partialdef name [inline] %}")
    name = bits[1]
    nodelist = parser.parse(("endpartialdef", f"endpartialdef {name}"))
    parser.delete_first_token()
    node = PartialDefNode(name, nodelist, inline=len(bits) == 3)
    parser.extra_data.setdefault(_PARTIALS, {})[name] = node
    return node


@register.tag
def partial(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("Usage: {% partial name %}")
    return PartialNode(bits[1], parser.extra_data.setdefault(_PARTIALS, {}))


def render_partials(
    request: HttpRequest,
    template_name: str,
    names: Iterable[str],
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Render the named fragments of `template_name` (in order, concatenated) as a response."""
    backend_template = get_template(template_name)
    compiled = backend_template.template
    partials = compiled.extra_data.get(_PARTIALS, {})
    ctx = make_context(dict(context or {}), request, autoescape=backend_template.backend.engine.autoescape)
    parts = []
    with ctx.render_context.push_state(compiled), ctx.bind_template(compiled):
        ctx.template_name = compiled.name
        for name in names:
            if name not in partials:
                raise template.TemplateSyntaxError(f"No {{% partialdef {name} %}} in {template_name}.")
            parts.append(partials[name].nodelist.render(ctx))
    return HttpResponse("".join(parts), status=status, headers=headers)
