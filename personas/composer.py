"""The facts of a persona, composed deterministically from data. Pure Python: no ORM, no LLM.

The embedded demo model is small, so everything a persona *is* comes from here: ``core`` (stable
traits with score and band, voice, values, working style, what energises and drains, how to
communicate, what others said as aggregates), ``overlay`` (current context from recent
observations and work patterns, with its expiry) and ``persona_prompt`` (the master system
prompt for chat). The LLM only writes prose on top (a description and a voice sample); when it
cannot, :func:`template_description` and :func:`template_voice_sample` stand in.

Same inputs → same output, byte for byte (dict order included), so a persona can be rebuilt
and compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from personas.paths import get_path

BIG_FIVE = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
DISC = ("d", "i", "s", "c")
DISC_NAMES = {"d": "Dominance", "i": "Influence", "s": "Steadiness", "c": "Conscientiousness"}
DISC_STYLE = {
    "d": "direct and results-first",
    "i": "enthusiastic and people-first",
    "s": "patient and dependable",
    "c": "precise and analytical",
}
# Questionnaires already folded into big_five / disc by the mindscape rebuild: not listed twice.
FOLDED_QUESTIONNAIRES = frozenset({"ipip_neo_120", "ipip_50", "disc"})
# Big Five words for a high / low score (neuroticism: high = sensitive to stress).
BIG_FIVE_WORDS = {
    "openness": ("curious and imaginative", "practical and down-to-earth"),
    "conscientiousness": ("organised and dependable", "flexible and spontaneous"),
    "extraversion": ("outgoing and energetic", "reserved and reflective"),
    "agreeableness": ("warm and cooperative", "direct and sceptical"),
    "neuroticism": ("sensitive to stress", "calm and even-tempered"),
}
GUIDANCE_CATEGORIES = ("voice", "values", "working_style", "energises", "drains", "communication", "other")
PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
HIGH, LOW = 60.0, 40.0
MAX_TRAITS = 40
MAX_GUIDANCE_PER_CATEGORY = 8
MAX_NARRATIVE_CHARS = 300
MAX_OBSERVATIONS = 10


@dataclass(frozen=True)
class FiredRule:
    """One fired mapper rule, as the composer needs it (built from rules.RuleOutcome)."""

    rule_id: str
    actions: Sequence[Mapping[str, Any]] = ()
    reasons: Sequence[str] = ()
    priority: str = "medium"


@dataclass(frozen=True)
class NarrativeFact:
    id: str
    text: str
    relevance: float | None = None


@dataclass(frozen=True)
class ObservationFact:
    observation_type: str
    at: datetime
    content: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonaFacts:
    name: str
    core: dict[str, Any]
    overlay: dict[str, Any]
    persona_prompt: str
    description: str  # the template description (third person)
    voice_sample: str  # the template voice sample (first person)


# --------------------------------------------------------------------------- small helpers


def label_of(slug: str) -> str:
    """``emotional_stability`` → ``Emotional stability``."""
    words = slug.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else slug


def level(score: float | None) -> str:
    if score is None:
        return "unknown"
    if score >= HIGH:
        return "high"
    if score <= LOW:
        return "low"
    return "moderate"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _rounded(value: float | None) -> float | int | None:
    if value is None:
        return None
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else rounded


def _trait(path: str, label: str, node: Any, group: str) -> dict[str, Any] | None:
    if not isinstance(node, Mapping):
        return None
    score = _number(node.get("score"))
    if score is None:
        return None
    return {
        "path": path,
        "group": group,
        "label": label,
        "score": _rounded(score),
        "band": str(node.get("band") or ""),
        "band_label": str(node.get("band_label") or ""),
        "level": level(score),
    }


def stable_traits(traits: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per domain: score (0–100) and band. Big Five, DISC, then other questionnaires' dimensions."""
    found: list[dict[str, Any]] = []
    for domain in BIG_FIVE:
        item = _trait(
            f"big_five.{domain}", label_of(domain), get_path(traits, f"big_five.{domain}", None), "Big Five"
        )
        if item:
            found.append(item)
    for style in DISC:
        item = _trait(f"disc.{style}", DISC_NAMES[style], get_path(traits, f"disc.{style}", None), "DISC")
        if item:
            found.append(item)
    questionnaires = traits.get("questionnaires") if isinstance(traits, Mapping) else None
    if isinstance(questionnaires, Mapping):
        for slug in sorted(questionnaires):
            if slug in FOLDED_QUESTIONNAIRES or not isinstance(questionnaires[slug], Mapping):
                continue
            for dimension in sorted(questionnaires[slug]):
                item = _trait(
                    f"questionnaires.{slug}.{dimension}",
                    label_of(dimension),
                    questionnaires[slug][dimension],
                    label_of(slug),
                )
                if item:
                    found.append(item)
    return found[:MAX_TRAITS]


def has_scores(traits: Mapping[str, Any] | None) -> bool:
    """Whether a mindscape holds any scored trait (a persona needs at least one)."""
    return bool(traits) and bool(stable_traits(traits))


def primary_style(traits: Mapping[str, Any]) -> str | None:
    style = get_path(traits, "disc.primary_style", None)
    if isinstance(style, str) and style in DISC:
        return style
    scores = {s: _number(get_path(traits, f"disc.{s}.score", None)) for s in DISC}
    known = {s: v for s, v in scores.items() if v is not None}
    if not known:
        return None
    return max(DISC, key=lambda s: (known.get(s, -1.0), -DISC.index(s)))


def strongest(traits_list: Sequence[Mapping[str, Any]], n: int = 3) -> list[Mapping[str, Any]]:
    """The traits furthest from the middle (50), ties broken by list order."""
    indexed = list(enumerate(traits_list))
    indexed.sort(key=lambda pair: (-abs(float(pair[1]["score"]) - 50.0), pair[0]))
    return [trait for _, trait in indexed[:n]]


def guidance(fired: Iterable[FiredRule]) -> dict[str, list[dict[str, Any]]]:
    """Fired rules' actions grouped by category: high priority first, then rule order; no repeats."""
    rows: list[tuple[int, int, str, dict[str, Any]]] = []
    for rule_index, rule in enumerate(fired):
        for action in rule.actions:
            text = str(action.get("text") or "").strip()
            if not text:
                continue
            category = str(action.get("category") or "other")
            if category not in GUIDANCE_CATEGORIES:
                category = "other"
            priority = str(action.get("priority") or rule.priority or "medium")
            rows.append(
                (
                    PRIORITY_ORDER.get(priority, 1),
                    rule_index,
                    category,
                    {"text": text, "rule_id": rule.rule_id, "priority": priority},
                )
            )
    rows.sort(key=lambda row: (row[0], row[1]))
    grouped: dict[str, list[dict[str, Any]]] = {category: [] for category in GUIDANCE_CATEGORIES}
    seen: dict[str, set[str]] = {category: set() for category in GUIDANCE_CATEGORIES}
    for _priority, _index, category, item in rows:
        if item["text"].lower() in seen[category] or len(grouped[category]) >= MAX_GUIDANCE_PER_CATEGORY:
            continue
        seen[category].add(item["text"].lower())
        grouped[category].append(item)
    return grouped


def others_view(traits: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What others said: per questionnaire, how many answered and the mean per dimension.
    Aggregates only; the mindscape holds them only at or above the survey's min-n."""
    others = traits.get("others") if isinstance(traits, Mapping) else None
    if not isinstance(others, Mapping):
        return []
    views = []
    for slug in sorted(others):
        node = others[slug]
        if not isinstance(node, Mapping):
            continue
        dimensions = []
        for dimension in sorted(node):
            value = node[dimension]
            score = _number(value.get("score")) if isinstance(value, Mapping) else None
            if score is not None:
                dimensions.append(
                    {"dimension": dimension, "label": label_of(dimension), "score": _rounded(score)}
                )
        n = node.get("n")
        if dimensions:
            views.append(
                {
                    "questionnaire": slug,
                    "label": label_of(slug),
                    "n": n if isinstance(n, int) else None,
                    "dimensions": dimensions,
                }
            )
    return views


def _summary(content: Mapping[str, Any]) -> str:
    for key in ("summary", "title", "text", "note", "description", "activity", "task"):
        value = content.get(key)
        if isinstance(value, str) and value.strip():
            return _clip(value.strip(), 140)
    parts = []
    for key in sorted(content):
        value = content[key]
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            parts.append(f"{label_of(key).lower()}: {value}")
    return _clip(", ".join(parts), 140)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def current_context(observations: Sequence[ObservationFact]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for observation in observations:
        counts[observation.observation_type] = counts.get(observation.observation_type, 0) + 1
    latest = sorted(observations, key=lambda o: (o.at, o.observation_type), reverse=True)[:MAX_OBSERVATIONS]
    return {
        "observation_counts": dict(sorted(counts.items())),
        "recent": [
            {"type": o.observation_type, "at": o.at.isoformat(), "summary": _summary(o.content or {})}
            for o in latest
        ],
    }


def search_query(traits: Mapping[str, Any], fired: Sequence[FiredRule]) -> str:
    """What to look for among the subject's narratives: the strongest traits and the guidance."""
    parts = [f"{trait['level']} {trait['label'].lower()}" for trait in strongest(stable_traits(traits))]
    style = primary_style(traits)
    if style:
        parts.append(f"{DISC_NAMES[style].lower()} style, {DISC_STYLE[style]}")
    grouped = guidance(fired)
    for category in ("values", "working_style", "energises", "drains"):
        if grouped[category]:
            parts.append(grouped[category][0]["text"])
    query = "; ".join(parts) or "how I work, what I value, what energises and drains me"
    return _clip(query, 500)


# --------------------------------------------------------------------------- prose templates


def _join(words: Sequence[str]) -> str:
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _adjectives(traits_list: Sequence[Mapping[str, Any]]) -> list[str]:
    words = []
    for trait in traits_list:
        domain = trait["path"].split(".", 1)[1] if trait["path"].startswith("big_five.") else None
        if domain in BIG_FIVE_WORDS and trait["level"] in ("high", "low"):
            words.append(BIG_FIVE_WORDS[domain][0 if trait["level"] == "high" else 1])
    return words


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return (text[:1].upper() + text[1:] + ".") if text else ""


def _lower_first(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text else ""


def template_description(name: str, core: Mapping[str, Any]) -> str:
    """Two to four sentences in the third person, from the facts alone."""
    traits_list = core.get("traits") or []
    sentences = []
    words = _adjectives(strongest(traits_list, 5))[:3]
    if words:
        sentences.append(f"{name} comes across as {_join(words)}.")
    else:
        top = strongest(traits_list, 2)
        if top:
            described = [f"{trait['level']} on {trait['label'].lower()}" for trait in top]
            sentences.append(f"{name} scores {_join(described)}.")
        else:
            sentences.append(f"{name} has not shared much about themselves yet.")
    style = core.get("primary_style")
    if style in DISC_STYLE:
        sentences.append(f"Their DISC style leans towards {DISC_NAMES[style]}: {DISC_STYLE[style]}.")
    values = [item["text"] for item in (core.get("values") or [])][:1]
    working = [item["text"] for item in (core.get("working_style") or [])][:1]
    if values:
        sentences.append(f"They value this: {_lower_first(values[0])}.")
    if working and len(sentences) < 4:
        sentences.append(f"At work: {_lower_first(working[0])}.")
    if len(sentences) < 2:
        sentences.append("This persona is grounded only in their questionnaire results.")
    return " ".join(sentences[:4])


def template_voice_sample(name: str, core: Mapping[str, Any]) -> str:
    """One sentence in the first person."""
    energises = [item["text"] for item in (core.get("energises") or [])]
    values = [item["text"] for item in (core.get("values") or [])]
    words = _adjectives(strongest(core.get("traits") or [], 5))
    if energises:
        return f"I'm {name}, and what gives me energy is this: {_lower_first(energises[0])}."
    if values:
        return f"I'm {name}, and what matters to me is this: {_lower_first(values[0])}."
    if words:
        return f"I'm {name}; people tell me I'm {words[0]}."
    return f"I'm {name}, happy to tell you how I like to work."


# --------------------------------------------------------------------------- the prompt


def _bullets(items: Iterable[str]) -> list[str]:
    return [f"- {_sentence(item)}" for item in items if item.strip()]


def persona_prompt(name: str, core: Mapping[str, Any], overlay: Mapping[str, Any]) -> str:
    """The master system prompt for chatting with the persona. Facts only; no invented detail."""
    lines = [
        f"You are {name}. Speak in the first person, as {name} would, in a natural conversational tone.",
        "Everything you know about yourself is listed below; it comes from questionnaires, what others "
        "said about you in anonymous surveys (averages only), things you wrote, and recent activity.",
        "Stay grounded in these facts. When asked about something they do not cover, say that you "
        "don't know rather than making it up.",
        "",
        "Your traits (scores from 0 to 100):",
    ]
    traits_list = core.get("traits") or []
    if traits_list:
        for trait in traits_list:
            band = f", {trait['band_label']}" if trait.get("band_label") else ""
            lines.append(f"- {trait['group']} · {trait['label']}: {trait['score']} ({trait['level']}{band})")
    else:
        lines.append("- No scores yet.")
    style = core.get("primary_style")
    if style in DISC_STYLE:
        lines.append(f"- Primary DISC style: {DISC_NAMES[style]} ({DISC_STYLE[style]}).")
    sections = [
        ("voice", "Your voice"),
        ("values", "What you value"),
        ("working_style", "How you work"),
        ("energises", "What energises you"),
        ("drains", "What drains you"),
        ("communication", "How you like to communicate"),
        ("other", "Other notes"),
    ]
    for key, title in sections:
        texts = [item["text"] for item in (core.get(key) or [])]
        if texts:
            lines += ["", f"{title}:", *_bullets(texts)]
    for view in core.get("others_view") or []:
        n = f"{view['n']} people" if view.get("n") else "several people"
        scores = ", ".join(f"{d['label']} {d['score']}" for d in view["dimensions"])
        lines += ["", f"How others see you ({view['label']}, average of {n}): {scores}."]
    narratives = core.get("narratives") or []
    if narratives:
        lines += ["", "Things you wrote about yourself:"]
        lines += [f'- "{item["text"]}"' for item in narratives]
    work = overlay.get("work") or {}
    context = overlay.get("context") or {}
    recent = context.get("recent") or []
    if work or recent:
        lines += ["", "Right now (this may change):"]
        if isinstance(work, Mapping) and work.get("chronotype"):
            lines.append(f"- You are most productive in the {work['chronotype']}.")
        for item in recent[:5]:
            if item.get("summary"):
                lines.append(f"- Recent {label_of(item['type']).lower()}: {item['summary']}")
    return "\n".join(lines).strip() + "\n"


# --------------------------------------------------------------------------- composition


def compose(
    *,
    name: str,
    traits: Mapping[str, Any],
    fired: Sequence[FiredRule],
    narratives: Sequence[NarrativeFact] = (),
    observations: Sequence[ObservationFact] = (),
    generated_at: datetime,
    expires_at: datetime,
) -> PersonaFacts:
    grouped = guidance(fired)
    core: dict[str, Any] = {
        "name": name,
        "traits": stable_traits(traits),
        "primary_style": primary_style(traits),
        "voice": grouped["voice"],
        "values": grouped["values"],
        "working_style": grouped["working_style"],
        "energises": grouped["energises"],
        "drains": grouped["drains"],
        "communication": grouped["communication"],
        "other": grouped["other"],
        "others_view": others_view(traits),
        "narratives": [
            {"id": n.id, "text": _clip(n.text, MAX_NARRATIVE_CHARS), "relevance": n.relevance}
            for n in narratives
        ],
    }
    work = traits.get("work") if isinstance(traits, Mapping) else None
    overlay: dict[str, Any] = {
        "context": current_context(observations),
        "work": dict(work) if isinstance(work, Mapping) else {},
        "generated_at": generated_at.isoformat(),
        "expires_at": expires_at.isoformat(),
    }
    return PersonaFacts(
        name=name,
        core=core,
        overlay=overlay,
        persona_prompt=persona_prompt(name, core, overlay),
        description=template_description(name, core),
        voice_sample=template_voice_sample(name, core),
    )


def prose_request(facts: PersonaFacts) -> list[dict[str, str]]:
    """The chat messages that ask the LLM for the prose (JSON with description and voice_sample)."""
    core = facts.core
    lines = [f"Name: {facts.name}"]
    for trait in strongest(core.get("traits") or [], 5):
        lines.append(f"Trait: {trait['label']} {trait['score']}/100 ({trait['level']})")
    style = core.get("primary_style")
    if style in DISC_STYLE:
        lines.append(f"DISC style: {DISC_NAMES[style]} ({DISC_STYLE[style]})")
    for key in ("voice", "values", "working_style", "energises", "drains"):
        for item in (core.get(key) or [])[:2]:
            lines.append(f"{label_of(key)}: {item['text']}")
    system = (
        "You write a short profile of a person from facts. Reply with one JSON object and nothing else: "
        '{"description": "...", "voice_sample": "..."}. description: 2 to 4 sentences in the third '
        "person. voice_sample: one sentence in the first person, in their voice. Use only the facts given."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]
