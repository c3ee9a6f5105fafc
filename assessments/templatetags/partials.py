"""Named fragments of a page template, for htmx (STYLE habit 12).

    {% load partials %}
    {% partialdef progress inline %}<div id="progress">…</div>{% endpartialdef %}
    {% partialdef question %}…{% endpartialdef %}      {# defined here, rendered below #}
    {% for question in questions %}{% partial question %}{% endfor %}

A view renders the whole page, or — for an htmx request — one or more fragments of the same
template with `render_partials()`. The syntax is Django 6.0's built-in `{% partialdef %}` /
`{% partial %}`, so this module can go once the project moves to Django 6.

`{% partialdef question memo %}` (not in Django 6) also remembers the fragment's output, per
process, keyed by everything it can read: the values of the variables it names (a frozen
dataclass or other plain value whole, else each attribute path used) and the active language.
A take page renders 15 questions of 5 options each; the same question in the same state (its
text, choices, which one is checked, its error) is then rendered once, not on every request.
Only fragments built from plain tags (text, variables, if, for, comments and includes of a fixed
template, whose own variables count too) are remembered; anything else
(`{% csrf_token %}`, `{% url %}`, a custom tag) makes the fragment render every time, so a
later template change can make a page slower, never wrong.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.http import HttpRequest, HttpResponse
from django.template import defaulttags, loader_tags
from django.template.base import FilterExpression, TextNode, Variable, VariableNode
from django.template.context import make_context
from django.template.defaulttags import TemplateLiteral
from django.template.loader import get_template
from django.templatetags import i18n
from django.utils import translation

register = template.Library()

_PARTIALS = "partials"


MEMO_MAX = 20_000
_memo: dict[tuple, str] = {}
_memo_lock = threading.Lock()
_PLAIN_NODES = (
    TextNode,
    VariableNode,
    defaulttags.IfNode,
    defaulttags.ForNode,
    defaulttags.CommentNode,
    loader_tags.IncludeNode,
)


class _NotMemoisable(Exception):
    pass


def _expression_paths(expression: FilterExpression, paths: set[tuple[str, ...]]) -> None:
    if isinstance(expression.var, Variable) and expression.var.lookups:
        paths.add(tuple(expression.var.lookups))
    for _filter, args in expression.filters:
        for lookup, arg in args:
            if lookup and isinstance(arg, Variable) and arg.lookups:
                paths.add(tuple(arg.lookups))


def _condition_paths(condition, paths: set[tuple[str, ...]]) -> None:
    if isinstance(condition, TemplateLiteral):
        _expression_paths(condition.value, paths)
        return
    for side in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if side is not None:
            _condition_paths(side, paths)


def _variable_paths(nodelist: template.NodeList, local: frozenset[str] = frozenset()) -> set[tuple[str, ...]]:
    """The variable paths a fragment reads from its context (loop variables excluded)."""
    paths: set[tuple[str, ...]] = set()
    for node in nodelist:
        if isinstance(node, i18n.TranslateNode):
            # A literal `{% translate "…" %}` depends only on the active language (in the key).
            if node.asvar or node.message_context or getattr(node.filter_expression.var, "lookups", None):
                raise _NotMemoisable("translate of a variable")
            continue
        if not isinstance(node, _PLAIN_NODES):
            raise _NotMemoisable(type(node).__name__)
        if isinstance(node, VariableNode):
            _expression_paths(node.filter_expression, paths)
        elif isinstance(node, defaulttags.IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is not None:
                    _condition_paths(condition, paths)
                paths |= _variable_paths(branch, local)
        elif isinstance(node, defaulttags.ForNode):
            _expression_paths(node.sequence, paths)
            inner = local | set(node.loopvars) | {"forloop"}
            paths |= _variable_paths(node.nodelist_loop, inner)
            paths |= _variable_paths(node.nodelist_empty, local)
        elif isinstance(node, loader_tags.IncludeNode):
            # A fixed template, given literal values: what it reads is read here too.
            if isinstance(node.template.var, Variable):
                raise _NotMemoisable("include of a variable template")
            given = set()
            for name, value in node.extra_context.items():
                _expression_paths(value, paths)
                given.add(name)
            included = get_template(str(node.template.var)).template
            paths |= {path for path in _variable_paths(included.nodelist) if path[0] not in given}
    return {path for path in paths if path[0] not in local}


def _is_value(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__dataclass_params__.frozen
    return isinstance(value, tuple) and all(_is_value(v) for v in value)


class PartialDefNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList, inline: bool, memo: bool = False) -> None:
        self.name = name
        self.nodelist = nodelist
        self.inline = inline
        self.roots: dict[str, list[tuple[str, ...]]] | None = None
        if memo:
            try:
                paths = _variable_paths(nodelist)
            except _NotMemoisable:
                paths = None
            if paths is not None:
                self.roots = {}
                for path in sorted(paths):
                    self.roots.setdefault(path[0], []).append(path)

    def render(self, context) -> str:
        return self.render_fragment(context) if self.inline else ""

    def render_fragment(self, context) -> str:
        if self.roots is None:
            return self.nodelist.render(context)
        key = self._key(context)
        try:
            found = None if key is None else _memo.get(key)
        except TypeError:  # a value that cannot be hashed after all (a list inside a tuple)
            key = None
        if key is None:
            return self.nodelist.render(context)
        if found is None:
            found = self.nodelist.render(context)
            with _memo_lock:
                if len(_memo) >= MEMO_MAX:
                    _memo.clear()
                _memo[key] = found
        return found

    def _key(self, context) -> tuple | None:
        parts: list[Any] = [self, translation.get_language(), context.autoescape]
        for root, paths in self.roots.items():
            value = context.get(root)
            if _is_value(value):
                parts.append(value)
                continue
            for path in paths:
                try:
                    resolved = Variable(".".join(path)).resolve(context)
                except template.VariableDoesNotExist:
                    resolved = None
                if not _is_value(resolved):
                    return None
                parts.append(resolved)
        return tuple(parts)


def memo_clear() -> None:
    """Forget every remembered fragment (tests)."""
    with _memo_lock:
        _memo.clear()


class PartialNode(template.Node):
    def __init__(self, name: str, partials: dict[str, PartialDefNode]) -> None:
        self.name = name
        self.partials = partials  # filled while the rest of the template is parsed

    def render(self, context) -> str:
        node = self.partials.get(self.name)
        if node is None:
            raise template.TemplateSyntaxError(f"No {{% partialdef {self.name} %}} in this template.")
        return node.render_fragment(context)


@register.tag
def partialdef(parser, token):
    bits = token.split_contents()
    flags = bits[2:]
    if len(bits) < 2 or len(flags) != len(set(flags)) or not set(flags) <= {"inline", "memo"}:
        raise template.TemplateSyntaxError("Usage: {% partialdef name [inline] [memo] %}")
    name = bits[1]
    nodelist = parser.parse(("endpartialdef", f"endpartialdef {name}"))
    parser.delete_first_token()
    node = PartialDefNode(name, nodelist, inline="inline" in flags, memo="memo" in flags)
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
            parts.append(partials[name].render_fragment(ctx))
    return HttpResponse("".join(parts), status=status, headers=headers)
