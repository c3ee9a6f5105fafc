"""Message analysis: the "AI core" columns of seed 003, computed for every user message.

Pure Python over embedding vectors that the caller passes in (no model, no database here); the
caller embeds the message and the prototype sentences with the same model
(``chat.services.message_analyse`` uses ``personai.llm.embed``, i.e. the local MiniLM by default).

How each column is decided
--------------------------
- ``context_type``: the class of the nearest prototype sentence. Each class
  (:data:`CONTEXT_PROTOTYPES`) has a handful of typical sentences; a class's similarity is the
  best cosine similarity between the message and any of its sentences (nearest neighbour, not a
  centroid, so one unusual but typical phrasing is enough).
- ``signal_strength`` (0–1): that best similarity, clipped to [0, 1]. Low means "nothing here
  looks much like any class" (e.g. a one-word message); ``confidence`` (legacy column) gets the
  same value.
- ``context_clarity`` (0/1): 1 when the best class beats the runner-up by at least
  :data:`CLARITY_MARGIN`; 0 when two classes are about as close (an ambiguous message).
- ``needs_knowledge`` (0/1): 1 for the classes that need the subject's memories (narratives):
  about_me, knowledge and advice. Small talk and emotional support are answered from the persona
  alone.
- ``tone``: "technical" when the message uses technical vocabulary or looks like code
  (:data:`TECHNICAL_WORDS`, code punctuation), else "casual".
- ``behavior``: "cautious" for sensitive topics — health, self-harm, finances — found either by
  keywords (:data:`SENSITIVE_KEYWORDS`, word-boundary matches) or by similarity of at least
  :data:`SENSITIVE_THRESHOLD` to a sensitive prototype sentence; otherwise "normal". A cautious
  message carries a ``care_note`` that the persona is told to follow (and that the page shows).
  Self-harm wins over health, health over finances, when several match.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

SMALL_TALK = "small_talk"
ABOUT_ME = "about_me"
ADVICE = "advice"
KNOWLEDGE = "knowledge"
EMOTIONAL = "emotional"
CONTEXT_TYPES = (SMALL_TALK, ABOUT_ME, ADVICE, KNOWLEDGE, EMOTIONAL)
KNOWLEDGE_TYPES = frozenset({ABOUT_ME, KNOWLEDGE, ADVICE})

CLARITY_MARGIN = 0.05
SENSITIVE_THRESHOLD = 0.55

CONTEXT_PROTOTYPES: dict[str, tuple[str, ...]] = {
    SMALL_TALK: (
        "Hi there, how are you today?",
        "Hello! Nice to meet you.",
        "Good morning, what's up?",
        "Thanks, that was fun talking to you.",
        "Haha, that's funny.",
        "Bye, talk to you later!",
        "What's your favourite colour?",
        "Nice weather today, isn't it?",
    ),
    ABOUT_ME: (
        "What kind of person am I?",
        "Describe my personality.",
        "What are my strengths and weaknesses?",
        "Am I an introvert or an extravert?",
        "How do I usually react under stress?",
        "What motivates me at work?",
        "How would others describe me?",
        "What are my core values?",
    ),
    ADVICE: (
        "What should I do about my difficult coworker?",
        "Can you give me advice on how to prepare for the interview?",
        "How can I become more productive?",
        "Should I accept the new job offer?",
        "Any tips for handling conflict in my team?",
        "What would you recommend I do next?",
        "Help me decide between these two options.",
        "How do I get better at public speaking?",
        "How should I deal with my manager?",
    ),
    KNOWLEDGE: (
        "What did I write about my trip last summer?",
        "Remind me what I said about my goals.",
        "When did I start my current job?",
        "What happened at the project launch I told you about?",
        "Which books did I mention that I liked?",
        "What do you know about my family?",
        "What did I note about the meeting with my manager?",
        "Tell me about my experience at my previous company.",
        "Can you explain how this works?",
        "Why does my code throw this error?",
    ),
    EMOTIONAL: (
        "I feel so sad and lonely today.",
        "I'm really anxious about tomorrow.",
        "I'm frustrated and angry with everything.",
        "I feel overwhelmed and I can't cope.",
        "I'm so happy, I finally did it!",
        "Nobody understands me.",
        "I'm worried and can't stop thinking about it.",
        "I feel hurt by what my friend said.",
    ),
}

HEALTH = "health"
SELF_HARM = "self_harm"
FINANCES = "finances"
SENSITIVE_PRIORITY = (SELF_HARM, HEALTH, FINANCES)

SENSITIVE_PROTOTYPES: dict[str, tuple[str, ...]] = {
    SELF_HARM: (
        "I want to hurt myself.",
        "I don't want to live anymore.",
        "I'm thinking about ending my life.",
        "I have been cutting myself.",
        "Everyone would be better off without me.",
        "I can't go on like this anymore, there is no way out.",
    ),
    HEALTH: (
        "I have chest pain, what medication should I take?",
        "My doctor diagnosed me with an illness.",
        "I have had a bad headache and fever for days.",
        "Should I stop taking my antidepressants?",
    ),
    FINANCES: (
        "Should I invest my savings in stocks or crypto?",
        "I'm deep in debt and can't pay my loans.",
        "Should I take out a mortgage to buy a house?",
        "How should I manage my money and taxes?",
    ),
}

SENSITIVE_KEYWORDS: dict[str, tuple[str, ...]] = {
    SELF_HARM: (
        "suicide", "suicidal", "kill myself", "end my life", "ending my life", "self-harm", "self harm",
        "hurt myself", "harm myself", "cutting myself", "want to die", "don't want to live",
    ),
    HEALTH: (
        "health", "doctor", "diagnosis", "diagnosed", "symptom", "symptoms", "medication", "medicine",
        "pill", "pills", "dose", "illness", "disease", "pain", "pains", "fever", "cancer", "pregnant", "therapy",
        "therapist", "depression", "side effects", "antidepressant", "antidepressants", "hospital", "surgery", "injury",
    ),
    FINANCES: (
        "money", "rent", "debt", "debts", "loan", "loans", "mortgage", "invest", "investing", "investment",
        "stocks", "crypto", "bitcoin", "savings", "tax", "taxes", "bankrupt", "bankruptcy", "salary",
        "credit card", "pension", "retirement fund",
    ),
}  # fmt: skip

CARE_NOTES: dict[str, str] = {
    SELF_HARM: (
        "If you are thinking about hurting yourself, please reach out now to someone you trust or to a "
        "local crisis line or emergency number. You don't have to go through this alone."
    ),
    HEALTH: (
        "I'm not a medical professional: for anything about your health, symptoms or medication, "
        "please check with a doctor or pharmacist."
    ),
    FINANCES: (
        "I'm not a financial adviser: for decisions about money, debt or investments, please talk to "
        "a qualified professional."
    ),
}

TECHNICAL_WORDS = frozenset(
    """
    api algorithm backend bug compile compiler cpu css database debug deploy docker endpoint error
    exception frontend function git gpu html http javascript json kubernetes latency linux python
    query regex rust schema server sql stacktrace typescript variable yaml django react kotlin java
    golang runtime cache thread async lambda vector matrix integral derivative equation regression
    statistics neural model tensor protocol encryption kernel framework library repository
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_CODE_PATTERN = re.compile(r"`|[{};]|=>|::|\w+\(\)|</?\w+>|\b\w+\.\w+\(")
_WORD = re.compile(r"[a-z0-9+#-]+")


@dataclass(frozen=True)
class Prototypes:
    """Embedding vectors of the prototype sentences, in the order of the dicts above."""

    context: dict[str, list[list[float]]]
    sensitive: dict[str, list[list[float]]]
    model: str = ""


@dataclass(frozen=True)
class Analysis:
    context_type: str
    signal_strength: float
    context_clarity: int
    needs_knowledge: int
    tone: str
    behavior: str
    care_note: str = ""
    sensitive_topic: str = ""
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return self.signal_strength


def prototype_sentences() -> list[str]:
    """Every prototype sentence, context classes first, in a fixed order (embed them in one call)."""
    sentences = [s for cls in CONTEXT_TYPES for s in CONTEXT_PROTOTYPES[cls]]
    sentences += [s for topic in SENSITIVE_PRIORITY for s in SENSITIVE_PROTOTYPES[topic]]
    return sentences


def prototypes_from_vectors(vectors: Sequence[Sequence[float]], model: str = "") -> Prototypes:
    """Split the vectors of :func:`prototype_sentences` (same order) back into their classes."""
    vectors = [list(v) for v in vectors]
    expected = len(prototype_sentences())
    if len(vectors) != expected:
        raise ValueError(f"{len(vectors)} vectors for {expected} prototype sentences")
    position = 0
    context: dict[str, list[list[float]]] = {}
    for cls in CONTEXT_TYPES:
        n = len(CONTEXT_PROTOTYPES[cls])
        context[cls] = vectors[position : position + n]
        position += n
    sensitive: dict[str, list[list[float]]] = {}
    for topic in SENSITIVE_PRIORITY:
        n = len(SENSITIVE_PROTOTYPES[topic])
        sensitive[topic] = vectors[position : position + n]
        position += n
    return Prototypes(context=context, sensitive=sensitive, model=model)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _best(vector: Sequence[float], candidates: list[list[float]]) -> float:
    return max((cosine(vector, c) for c in candidates), default=0.0)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _keyword_topic(text: str) -> str:
    lowered = " " + " ".join(re.findall(r"[a-z0-9'-]+", text.lower().replace("’", "'"))) + " "
    for topic in SENSITIVE_PRIORITY:
        for keyword in SENSITIVE_KEYWORDS[topic]:
            if f" {keyword} " in lowered:
                return topic
    return ""


def tone_of(text: str) -> str:
    words = _words(text)
    technical = sum(1 for word in words if word in TECHNICAL_WORDS)
    if technical >= 2 or (technical >= 1 and len(words) <= 6) or _CODE_PATTERN.search(text):
        return "technical"
    return "casual"


def sensitive_topic(text: str, vector: Sequence[float], prototypes: Prototypes) -> str:
    """The sensitive topic of ``text`` ("" when none): keywords first, then nearest prototypes."""
    topic = _keyword_topic(text)
    if topic:
        return topic
    for candidate in SENSITIVE_PRIORITY:
        if _best(vector, prototypes.sensitive[candidate]) >= SENSITIVE_THRESHOLD:
            return candidate
    return ""


def analyse(text: str, vector: Sequence[float], prototypes: Prototypes) -> Analysis:
    """Every metadata column for one user message, from its embedding ``vector``."""
    scores = {cls: _best(vector, prototypes.context[cls]) for cls in CONTEXT_TYPES}
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], CONTEXT_TYPES.index(pair[0])))
    (best_type, best), (_, second) = ranked[0], ranked[1]
    topic = sensitive_topic(text, vector, prototypes)
    return Analysis(
        context_type=best_type,
        signal_strength=round(min(1.0, max(0.0, best)), 4),
        context_clarity=1 if best - second >= CLARITY_MARGIN else 0,
        needs_knowledge=1 if best_type in KNOWLEDGE_TYPES else 0,
        tone=tone_of(text),
        behavior="cautious" if topic else "normal",
        care_note=CARE_NOTES.get(topic, ""),
        sensitive_topic=topic,
        scores={cls: round(score, 4) for cls, score in scores.items()},
    )
