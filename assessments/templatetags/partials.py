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
Only fragments built from plain tags (text, variables, if, for, comments, includes of a fixed
template, whose own variables count too, and translations) are remembered, plus three tags
whose output is fixed per process or per request:

* `{% url 'name' … %}` of a literal name: the URLconf, script prefix and current app join the
  key (`as var` sets the variable when the fragment comes from memory too);
* `{% static … %}`: `STATIC_URL` and the static files backend join the key;
* `{% csrf_token %}` (and `{{ csrf_token }}`): remembered as a slot that gets this request's
  token, read as rendering would read it (so the CSRF cookie is set as before).

Anything else (`{% now %}`, a custom tag, an include of a variable template) makes the fragment
render every time, so a later template change can make a page slower, never wrong. The site
header and footer (`templates/includes/`) are remembered this way, per user state and path.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import defaulttags, loader_tags
from django.template.base import FilterExpression, TextNode, Variable, VariableNode
from django.template.context import make_context
from django.template.defaulttags import TemplateLiteral
from django.template.loader import get_template
from django.templatetags import i18n, static
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.html import conditional_escape

register = template.Library()

_PARTIALS = "partials"


MEMO_MAX = 20_000
# Also bounded by size: the site header is remembered per user and path (~4 kB each).
MEMO_MAX_CHARS = 16_000_000
_memo: dict[tuple, tuple] = {}  # key: (output, variables it set)
_memo_chars = 0
_memo_lock = threading.Lock()
_PLAIN_NODES = (
    TextNode,
    VariableNode,
    defaulttags.IfNode,
    defaulttags.ForNode,
    defaulttags.CommentNode,
    defaulttags.LoadNode,
    loader_tags.IncludeNode,
)
CSRF = "csrf_token"
# Stands for this request's CSRF token in a remembered fragment (no HTML escaping changes it).
_CSRF_SLOT = "\x00csrf-token\x00"
_MISSING = object()


class _NotMemoisable(Exception):
    pass


@dataclass
class _Reads:
    """What a fragment's output depends on, beside the active language."""

    paths: set[tuple[str, ...]] = field(default_factory=set)
    urls: bool = False  # {% url %}: the URLconf, script prefix and current app
    static: bool = False  # {% static %}: STATIC_URL and the backend
    csrf: bool = False  # the request's CSRF token, filled into the remembered output
    exports: set[str] = field(default_factory=set)  # variables set by `… as var`

    def add(self, other: _Reads, *, paths: set[tuple[str, ...]], exports: bool) -> None:
        """Take in what a nested node list reads (`paths`: those of its paths that count here)."""
        self.paths |= paths
        self.urls |= other.urls
        self.static |= other.static
        self.csrf |= other.csrf
        if exports:
            self.exports |= other.exports


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


def _variable_paths(
    nodelist: template.NodeList, local: frozenset[str] = frozenset(), reads: _Reads | None = None
) -> _Reads:
    """What a fragment reads: its context's variable paths (loop variables excluded) and more."""
    reads = reads if reads is not None else _Reads()
    paths = reads.paths
    for node in nodelist:
        if isinstance(node, i18n.TranslateNode):
            # A literal `{% translate "…" %}` depends only on the active language (in the key).
            if node.asvar or node.message_context or getattr(node.filter_expression.var, "lookups", None):
                raise _NotMemoisable("translate of a variable")
            continue
        if isinstance(node, i18n.BlockTranslateNode):
            if node.asvar or node.message_context:
                raise _NotMemoisable("blocktranslate as a variable or with a context")
            given = set(node.extra_context) | ({node.countervar} if node.countervar else set())
            for value in node.extra_context.values():
                _expression_paths(value, paths)
            if node.counter is not None:
                _expression_paths(node.counter, paths)
            for token in [*node.singular, *(node.plural or ())]:
                if token.token_type == template.base.TokenType.VAR and token.contents not in given | local:
                    paths.add((token.contents,))
            continue
        if isinstance(node, defaulttags.CsrfTokenNode):
            reads.csrf = True
            continue
        if isinstance(node, defaulttags.URLNode):
            if isinstance(node.view_name.var, Variable) or node.view_name.filters:
                raise _NotMemoisable("url of a variable view name")
            for expression in [*node.args, *node.kwargs.values()]:
                _expression_paths(expression, paths)
            reads.urls = True
            if node.asvar:
                reads.exports.add(node.asvar)
            continue
        if isinstance(node, static.StaticNode):
            _expression_paths(node.path, paths)
            reads.static = True
            if node.varname:
                reads.exports.add(node.varname)
            continue
        if not isinstance(node, _PLAIN_NODES):
            raise _NotMemoisable(type(node).__name__)
        if isinstance(node, VariableNode):
            _expression_paths(node.filter_expression, paths)
        elif isinstance(node, defaulttags.IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is not None:
                    _condition_paths(condition, paths)
                _inner(branch, local, reads)
        elif isinstance(node, defaulttags.ForNode):
            _expression_paths(node.sequence, paths)
            _inner(node.nodelist_loop, local | set(node.loopvars) | {"forloop"}, reads)
            _inner(node.nodelist_empty, local, reads)
        elif isinstance(node, loader_tags.IncludeNode):
            # A fixed template, given literal values: what it reads is read here too.
            if isinstance(node.template.var, Variable):
                raise _NotMemoisable("include of a variable template")
            given = set()
            for name, value in node.extra_context.items():
                _expression_paths(value, paths)
                given.add(name)
            included = _variable_paths(get_template(str(node.template.var)).template.nodelist)
            # What it sets with `as` stays in the include's context.
            reads.add(
                included, paths={path for path in included.paths if path[0] not in given}, exports=False
            )
    reads.paths = {path for path in paths if path[0] not in local}
    return reads


def _inner(nodelist: template.NodeList, local: frozenset[str], reads: _Reads) -> None:
    """Read a nested node list into `reads`, its own local names excluded from its paths."""
    inner = _variable_paths(nodelist, local)
    reads.add(inner, paths=inner.paths, exports=True)


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
        # {root variable: [(path, compiled lookup)]}, None when the fragment is never remembered.
        self.roots: dict[str, list[tuple[tuple[str, ...], Variable]]] | None = None
        self.reads: _Reads | None = None
        if memo:
            try:
                reads = _variable_paths(nodelist)
            except _NotMemoisable:
                reads = None
            if reads is not None:
                self.reads = reads
                self.roots = {}
                for path in sorted(reads.paths):
                    if path[0] == CSRF:  # a slot filled per request, not part of the key
                        reads.csrf = True
                        continue
                    self.roots.setdefault(path[0], []).append((path, Variable(".".join(path))))

    def render(self, context) -> str:
        return self.render_fragment(context) if self.inline else ""

    def render_fragment(self, context) -> str:
        if self.roots is None:
            return self.nodelist.render(context)
        token = None
        if self.reads.csrf:
            token = context.get(CSRF)
            token = str(token) if token else ""
            if not token.isalnum() or token == "NOTPROVIDED":
                return self.nodelist.render(context)  # renders differently (or not at all)
        key = self._key(context)
        try:
            found = None if key is None else _memo.get(key)
        except TypeError:  # a value that cannot be hashed after all (a list inside a tuple)
            key = None
        if key is None:
            return self.nodelist.render(context)
        if found is None:
            found = self._render_to_remember(context)
            _remember(key, found)
        else:
            for name, value in found[1]:
                context[name] = value
        return found[0] if token is None else conditional_escape(token).join(found[0])

    def _render_to_remember(self, context) -> tuple:
        """(output, variables it set): output split at the CSRF slots when it has any."""
        before = {name: context.get(name, _MISSING) for name in self.reads.exports}
        with context.update({CSRF: _CSRF_SLOT} if self.reads.csrf else {}):
            output = self.nodelist.render(context)
            exported = tuple(
                (name, value)
                for name in sorted(self.reads.exports)
                if (value := context.get(name, _MISSING)) is not _MISSING and value != before[name]
            )
        for name, value in exported:  # set on the level below the one `update` pushed
            context[name] = value
        return (output.split(_CSRF_SLOT) if self.reads.csrf else output), exported

    def _key(self, context) -> tuple | None:
        parts: list[Any] = [self, translation.get_language(), context.autoescape]
        if self.reads.urls:
            request = getattr(context, "request", None)
            current_app = getattr(request, "current_app", None)
            if current_app is None:
                current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
            parts += [get_urlconf(), get_script_prefix(), current_app]
        if self.reads.static:
            parts += [settings.STATIC_URL, settings.STORAGES.get("staticfiles", {}).get("BACKEND")]
        for root, paths in self.roots.items():
            value = context.get(root)
            if _is_value(value):
                parts.append(value)
                continue
            for _path, variable in paths:
                try:
                    resolved = variable.resolve(context)
                except template.VariableDoesNotExist:
                    resolved = None
                if not _is_value(resolved):
                    return None
                parts.append(resolved)
        return tuple(parts)


def _remember(key: tuple, found: tuple) -> None:
    global _memo_chars
    size = sum(map(len, found[0])) if isinstance(found[0], list) else len(found[0])
    with _memo_lock:
        if len(_memo) >= MEMO_MAX or _memo_chars + size > MEMO_MAX_CHARS:
            _memo.clear()
            _memo_chars = 0
        if key not in _memo:
            _memo_chars += size
        _memo[key] = found


def memo_clear() -> None:
    """Forget every remembered fragment (tests)."""
    global _memo_chars
    with _memo_lock:
        _memo.clear()
        _memo_chars = 0


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
