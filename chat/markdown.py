"""A tiny, safe Markdown subset for chat messages.

Everything is HTML-escaped first; only then are a few constructs turned into tags we write
ourselves: paragraphs and line breaks, ``**bold**``, ``*italics*``/``_italics_``, ``inline
code``, fenced code blocks (```), and bulleted (-, *) and numbered (1.) lists. No links, images
or raw HTML, so a model (or a user) can never inject markup, scripts or tracking pixels.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")


def _inline(text: str) -> str:
    """Inline markup of one escaped line; code spans are protected from the other rules."""
    spans: list[str] = []

    def keep(match: re.Match) -> str:
        spans.append(f"<code>{match.group(1)}</code>")
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE.sub(keep, text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC_STAR.sub(r"<em>\1</em>", text)
    text = _ITALIC_UNDERSCORE.sub(r"<em>\1</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)


def render(text: str) -> SafeString:
    source = escape(text.replace("\x00", "")).replace("\r\n", "\n")
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""
    code: list[str] | None = None

    def flush_paragraph() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if items:
            out.append(f"<{list_tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{list_tag}>")
            items.clear()
        list_tag = ""

    for line in source.split("\n"):
        if code is not None:
            if line.strip().startswith("```"):
                out.append("<pre><code>" + "\n".join(code) + "</code></pre>")
                code = None
            else:
                code.append(line)
            continue
        if line.strip().startswith("```"):
            flush_paragraph()
            flush_list()
            code = []
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            flush_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag and list_tag != tag:
                flush_list()
            list_tag = tag
            items.append((bullet or numbered).group(1))
            continue
        if not line.strip():
            flush_paragraph()
            flush_list()
            continue
        flush_list()
        paragraph.append(line.strip())
    if code is not None:  # an unclosed fence (e.g. a reply cut short)
        out.append("<pre><code>" + "\n".join(code) + "</code></pre>")
    flush_paragraph()
    flush_list()
    return mark_safe("".join(out))  # noqa: S308 - built from escaped text and our own tags only
