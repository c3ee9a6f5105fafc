"""Generate the built-in instrument files (`personai.questionnaire/1`) in this directory.

    .venv/bin/python questionnaires/instruments/build_instruments.py           # (re)write the files
    .venv/bin/python questionnaires/instruments/build_instruments.py --check   # validate and compare only

Everything is a Python literal below; nothing is downloaded. Every document is validated against
docs/questionnaire-format.md before anything is written (see `validate()`), and the instrument
builders assert the published structure (item counts, facet assignment, keying counts).
Sources and licences: README.md next to this file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FORMAT = "personai.questionnaire/1"

# ---------------------------------------------------------------------------------------------
# Shared building blocks
# ---------------------------------------------------------------------------------------------

# The IPIP response scale (5 points; "how accurately does this describe you").
IPIP_SCALE = [
    ("1", 1, "Very Inaccurate", "Sehr unzutreffend"),
    ("2", 2, "Moderately Inaccurate", "Eher unzutreffend"),
    ("3", 3, "Neither Accurate Nor Inaccurate", "Weder zutreffend noch unzutreffend"),
    ("4", 4, "Moderately Accurate", "Eher zutreffend"),
    ("5", 5, "Very Accurate", "Sehr zutreffend"),
]

IPIP_INSTRUCTIONS = (
    "On the following pages you will find short phrases describing people's behaviour. For each "
    "one, choose how accurately it describes you. Describe yourself as you generally are now, not "
    "as you wish to be in the future, and as you honestly see yourself compared with other people "
    "of roughly your age. There are no right or wrong answers."
)
IPIP_INSTRUCTIONS_DE = (
    "Auf den folgenden Seiten finden Sie kurze Aussagen, die das Verhalten von Menschen "
    "beschreiben. Geben Sie bei jeder Aussage an, wie zutreffend sie Sie beschreibt. Beschreiben "
    "Sie sich so, wie Sie im Allgemeinen jetzt sind – nicht so, wie Sie in Zukunft gern wären –, "
    "und so, wie Sie sich ehrlich im Vergleich mit anderen Menschen etwa Ihres Alters sehen. Es "
    "gibt keine richtigen oder falschen Antworten."
)

# Observer forms (IPIP's observer convention: third person, no pronoun; "their" for possessives),
# for survey responders who describe someone else. {name} stands for that person.
IPIP_OBSERVER_INSTRUCTIONS = (
    "On the following pages you will find short phrases describing people's behaviour. For each "
    "one, choose how accurately it describes {name}. Describe {name} as they generally are now, not "
    "as you wish they were, and as you honestly see them compared with other people of roughly "
    "their age. There are no right or wrong answers."
)
IPIP_OBSERVER_INSTRUCTIONS_DE = (
    "Auf den folgenden Seiten finden Sie kurze Aussagen, die das Verhalten von Menschen "
    "beschreiben. Geben Sie bei jeder Aussage an, wie zutreffend sie {name} beschreibt. Beschreiben "
    "Sie {name} so, wie {name} im Allgemeinen jetzt ist – nicht so, wie Sie {name} gern hätten –, "
    "und so, wie Sie {name} ehrlich im Vergleich mit anderen Menschen etwa gleichen Alters sehen. "
    "Es gibt keine richtigen oder falschen Antworten."
)
VERSION_2_CHANGES = (
    "Version 2 adds observer wording (third-person texts for survey responders describing someone "
    "else); the items, their order, keys and scoring are those of version 1."
)
IPIP_SECTION = {
    "key": "main",
    "title": "About you",
    "observer_title": "About {name}",
    "translations": {"de": {"title": "Über Sie", "observer_title": "Über {name}"}},
}


def ipip_options(with_de: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": label,
            "observer_label": "",
            "value": value,
            "translations": {"de": {"label": label_de}} if with_de else {},
        }
        for key, value, label, label_de in IPIP_SCALE
    ]


def mapping(dimension: str, rule: str, params: dict[str, Any], option: str | None = None) -> dict[str, Any]:
    return {
        "dimension": dimension,
        "option": option,
        "rule": rule,
        "params": params,
        "effective_from": None,
        "effective_to": None,
    }


def linear(dimension: str, reverse: bool = False, multiplier: float = 1, offset: float = 0) -> dict[str, Any]:
    return mapping(
        dimension, "range_linear", {"multiplier": multiplier, "offset": offset, "reverse": reverse}
    )


def threshold(
    key: str,
    label: tuple[str, str],
    narrative: tuple[str, str],
    lower: float | None,
    upper: float | None,
    lower_inclusive: bool,
    upper_inclusive: bool,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label[0],
        "narrative": narrative[0],
        "lower": lower,
        "upper": upper,
        "lower_inclusive": lower_inclusive,
        "upper_inclusive": upper_inclusive,
        "translations": {"de": {"label": label[1], "narrative": narrative[1]}},
    }


def item_mean_bands(trait: dict[str, Any]) -> list[dict[str, Any]]:
    """IPIP bands on the item mean (1–5): below 3 low, exactly 3 neutral, above 3 high."""
    return [
        threshold("low", ("Low", "Niedrig"), trait["low"], None, 3, True, False),
        threshold("neutral", ("Neutral", "Neutral"), trait["neutral"], 3, 3, True, True),
        threshold("high", ("High", "Hoch"), trait["high"], 3, None, False, True),
    ]


def normalized_bands(trait: dict[str, Any]) -> list[dict[str, Any]]:
    """Bands on the 0–100 normalized score: below 40 low, 40–60 moderate, above 60 high."""
    return [
        threshold("low", ("Low", "Niedrig"), trait["low"], None, 40, True, False),
        threshold("moderate", ("Moderate", "Mittel"), trait["moderate"], 40, 60, True, True),
        threshold("high", ("High", "Hoch"), trait["high"], 60, None, False, True),
    ]


def relative_bands(trait: dict[str, Any]) -> list[dict[str, Any]]:
    """Bands on relative emphasis: the 0–100 score minus the mean of the person's own four scores.

    More than 10 points below that mean is "less pronounced", within 10 points either way
    "balanced", more than 10 above "pronounced". The primary style is at or above the mean, so it
    is never "less pronounced" and always in the highest band any style reaches.
    """
    return [
        threshold("low", ("Less pronounced", "Weniger ausgeprägt"), trait["low"], None, -10, True, False),
        threshold("moderate", ("Balanced", "Ausgewogen"), trait["moderate"], -10, 10, True, True),
        threshold("high", ("Pronounced", "Ausgeprägt"), trait["high"], 10, None, False, True),
    ]


def dimension(
    slug: str,
    trait: dict[str, Any],
    parent: str | None,
    sort_order: int,
    range_hint: dict[str, float],
    thresholds: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": trait["name"][0],
        "parent": parent,
        "sort_order": sort_order,
        "description": trait["description"][0],
        "range_hint": range_hint,
        "translations": {"de": {"name": trait["name"][1], "description": trait["description"][1]}},
        "thresholds": thresholds,
    }


def composite(
    slug: str,
    kind: str,
    name: tuple[str, str],
    description: tuple[str, str],
    dimensions: list[str],
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": name[0],
        "description": description[0],
        "kind": kind,
        "dimensions": dimensions,
        "weights": weights or {},
        "translations": {"de": {"name": name[1], "description": description[1]}},
    }


PRIMARY_TRAIT = (
    ("Primary trait", "Stärkstes Merkmal"),
    (
        "The domain with the highest score on the 0–100 scale (ties go to the earlier domain).",
        "Der Bereich mit dem höchsten Wert auf der Skala von 0 bis 100 (bei Gleichstand der frühere).",
    ),
)


def trait(
    name: tuple[str, str],
    description: tuple[str, str],
    low: tuple[str, str],
    middle: tuple[str, str],
    high: tuple[str, str],
    middle_key: str = "neutral",
) -> dict[str, Any]:
    """One dimension's texts; every pair is (English, German)."""
    return {"name": name, "description": description, "low": low, middle_key: middle, "high": high}


# ---------------------------------------------------------------------------------------------
# 1. IPIP-NEO-120 (Johnson, 2014)
# ---------------------------------------------------------------------------------------------

# The 120 items in the standard administration order: (facet code, key, text).
# Texts and keys as published with the IPIP-NEO-120 (Johnson, 2014; https://ipip.ori.org/30FacetNEO-PI-RItems.htm).
# Item n belongs to facet ((n-1) mod 30): N1 E1 O1 A1 C1 N2 E2 ... C6, then the cycle repeats.
NEO_120_ITEMS = [
    ("N1", "+", "Worry about things."),
    ("E1", "+", "Make friends easily."),
    ("O1", "+", "Have a vivid imagination."),
    ("A1", "+", "Trust others."),
    ("C1", "+", "Complete tasks successfully."),
    ("N2", "+", "Get angry easily."),
    ("E2", "+", "Love large parties."),
    ("O2", "+", "Believe in the importance of art."),
    ("A2", "-", "Use others for my own ends."),
    ("C2", "+", "Like to tidy up."),
    ("N3", "+", "Often feel blue."),
    ("E3", "+", "Take charge."),
    ("O3", "+", "Experience my emotions intensely."),
    ("A3", "+", "Love to help others."),
    ("C3", "+", "Keep my promises."),
    ("N4", "+", "Find it difficult to approach others."),
    ("E4", "+", "Am always busy."),
    ("O4", "+", "Prefer variety to routine."),
    ("A4", "-", "Love a good fight."),
    ("C4", "+", "Work hard."),
    ("N5", "+", "Go on binges."),
    ("E5", "+", "Love excitement."),
    ("O5", "+", "Love to read challenging material."),
    ("A5", "-", "Believe that I am better than others."),
    ("C5", "+", "Am always prepared."),
    ("N6", "+", "Panic easily."),
    ("E6", "+", "Radiate joy."),
    ("O6", "+", "Tend to vote for liberal political candidates."),
    ("A6", "+", "Sympathize with the homeless."),
    ("C6", "-", "Jump into things without thinking."),
    ("N1", "+", "Fear for the worst."),
    ("E1", "+", "Feel comfortable around people."),
    ("O1", "+", "Enjoy wild flights of fantasy."),
    ("A1", "+", "Believe that others have good intentions."),
    ("C1", "+", "Excel in what I do."),
    ("N2", "+", "Get irritated easily."),
    ("E2", "+", "Talk to a lot of different people at parties."),
    ("O2", "+", "See beauty in things that others might not notice."),
    ("A2", "-", "Cheat to get ahead."),
    ("C2", "-", "Often forget to put things back in their proper place."),
    ("N3", "+", "Dislike myself."),
    ("E3", "+", "Try to lead others."),
    ("O3", "+", "Feel others' emotions."),
    ("A3", "+", "Am concerned about others."),
    ("C3", "+", "Tell the truth."),
    ("N4", "+", "Am afraid to draw attention to myself."),
    ("E4", "+", "Am always on the go."),
    ("O4", "-", "Prefer to stick with things that I know."),
    ("A4", "-", "Yell at people."),
    ("C4", "+", "Do more than what's expected of me."),
    ("N5", "-", "Rarely overindulge."),
    ("E5", "+", "Seek adventure."),
    ("O5", "-", "Avoid philosophical discussions."),
    ("A5", "-", "Think highly of myself."),
    ("C5", "+", "Carry out my plans."),
    ("N6", "+", "Become overwhelmed by events."),
    ("E6", "+", "Have a lot of fun."),
    ("O6", "+", "Believe that there is no absolute right or wrong."),
    ("A6", "+", "Feel sympathy for those who are worse off than myself."),
    ("C6", "-", "Make rash decisions."),
    ("N1", "+", "Am afraid of many things."),
    ("E1", "-", "Avoid contacts with others."),
    ("O1", "+", "Love to daydream."),
    ("A1", "+", "Trust what people say."),
    ("C1", "+", "Handle tasks smoothly."),
    ("N2", "+", "Lose my temper."),
    ("E2", "-", "Prefer to be alone."),
    ("O2", "-", "Do not like poetry."),
    ("A2", "-", "Take advantage of others."),
    ("C2", "-", "Leave a mess in my room."),
    ("N3", "+", "Am often down in the dumps."),
    ("E3", "+", "Take control of things."),
    ("O3", "-", "Rarely notice my emotional reactions."),
    ("A3", "-", "Am indifferent to the feelings of others."),
    ("C3", "-", "Break rules."),
    ("N4", "+", "Only feel comfortable with friends."),
    ("E4", "+", "Do a lot in my spare time."),
    ("O4", "-", "Dislike changes."),
    ("A4", "-", "Insult people."),
    ("C4", "-", "Do just enough work to get by."),
    ("N5", "-", "Easily resist temptations."),
    ("E5", "+", "Enjoy being reckless."),
    ("O5", "-", "Have difficulty understanding abstract ideas."),
    ("A5", "-", "Have a high opinion of myself."),
    ("C5", "-", "Waste my time."),
    ("N6", "+", "Feel that I'm unable to deal with things."),
    ("E6", "+", "Love life."),
    ("O6", "-", "Tend to vote for conservative political candidates."),
    ("A6", "-", "Am not interested in other people's problems."),
    ("C6", "-", "Rush into things."),
    ("N1", "+", "Get stressed out easily."),
    ("E1", "-", "Keep others at a distance."),
    ("O1", "+", "Like to get lost in thought."),
    ("A1", "-", "Distrust people."),
    ("C1", "+", "Know how to get things done."),
    ("N2", "-", "Am not easily annoyed."),
    ("E2", "-", "Avoid crowds."),
    ("O2", "-", "Do not enjoy going to art museums."),
    ("A2", "-", "Obstruct others' plans."),
    ("C2", "-", "Leave my belongings around."),
    ("N3", "-", "Feel comfortable with myself."),
    ("E3", "-", "Wait for others to lead the way."),
    ("O3", "-", "Don't understand people who get emotional."),
    ("A3", "-", "Take no time for others."),
    ("C3", "-", "Break my promises."),
    ("N4", "-", "Am not bothered by difficult social situations."),
    ("E4", "-", "Like to take it easy."),
    ("O4", "-", "Am attached to conventional ways."),
    ("A4", "-", "Get back at others."),
    ("C4", "-", "Put little time and effort into my work."),
    ("N5", "-", "Am able to control my cravings."),
    ("E5", "+", "Act wild and crazy."),
    ("O5", "-", "Am not interested in theoretical discussions."),
    ("A5", "-", "Boast about my virtues."),
    ("C5", "-", "Have difficulty starting tasks."),
    ("N6", "-", "Remain calm under pressure."),
    ("E6", "+", "Look at the bright side of life."),
    ("O6", "-", "Believe that we should be tough on crime."),
    ("A6", "-", "Try not to think about the needy."),
    ("C6", "-", "Act without thinking."),
]

# Domain letter → (slug, sort_order); facet code → slug.
NEO_DOMAINS = {
    "N": ("neuroticism", 1),
    "E": ("extraversion", 2),
    "O": ("openness", 3),
    "A": ("agreeableness", 4),
    "C": ("conscientiousness", 5),
}
NEO_FACETS = {
    "N1": "n1-anxiety",
    "N2": "n2-anger",
    "N3": "n3-depression",
    "N4": "n4-self-consciousness",
    "N5": "n5-immoderation",
    "N6": "n6-vulnerability",
    "E1": "e1-friendliness",
    "E2": "e2-gregariousness",
    "E3": "e3-assertiveness",
    "E4": "e4-activity-level",
    "E5": "e5-excitement-seeking",
    "E6": "e6-cheerfulness",
    "O1": "o1-imagination",
    "O2": "o2-artistic-interests",
    "O3": "o3-emotionality",
    "O4": "o4-adventurousness",
    "O5": "o5-intellect",
    "O6": "o6-liberalism",
    "A1": "a1-trust",
    "A2": "a2-morality",
    "A3": "a3-altruism",
    "A4": "a4-cooperation",
    "A5": "a5-modesty",
    "A6": "a6-sympathy",
    "C1": "c1-self-efficacy",
    "C2": "c2-orderliness",
    "C3": "c3-dutifulness",
    "C4": "c4-achievement-striving",
    "C5": "c5-self-discipline",
    "C6": "c6-cautiousness",
}

# Texts for every domain and facet of the IPIP-NEO-120, keyed by slug; pairs are (English, German).
NEO_TRAITS = {
    "neuroticism": trait(
        ("Neuroticism", "Neurotizismus"),
        (
            "How strongly and how often you experience difficult emotions such as worry, anger or sadness.",
            "Wie stark und wie häufig Sie belastende Gefühle wie Sorge, Ärger oder Traurigkeit erleben.",
        ),
        (
            "You tend to stay calm and even-keeled, and difficult feelings usually pass without taking over.",
            "Sie bleiben meist ruhig und ausgeglichen; belastende Gefühle gehen in der Regel vorüber, "
            "ohne die Oberhand zu gewinnen.",
        ),
        (
            "You feel stress and difficult emotions about as often as you keep your calm; neither side "
            "clearly dominates.",
            "Sie erleben Stress und belastende Gefühle etwa so oft, wie Sie gelassen bleiben – keine Seite "
            "überwiegt deutlich.",
        ),
        (
            "You feel emotions like worry, frustration or sadness strongly and fairly often. That "
            "sensitivity "
            "can also make you alert to problems others miss.",
            "Sie erleben Gefühle wie Sorge, Ärger oder Traurigkeit intensiv und recht häufig. Diese "
            "Empfindsamkeit lässt Sie aber auch Probleme bemerken, die andere übersehen.",
        ),
    ),
    "n1-anxiety": trait(
        ("Anxiety", "Ängstlichkeit"),
        (
            "A tendency to worry, feel nervous and expect that things may go wrong.",
            "Neigung, sich Sorgen zu machen, nervös zu sein und damit zu rechnen, dass etwas schiefgeht.",
        ),
        (
            "You rarely worry and tend to feel relaxed about what lies ahead.",
            "Sie machen sich selten Sorgen und blicken meist entspannt auf das, was kommt.",
        ),
        (
            "You worry about some things but not others, roughly as often as you feel at ease.",
            "Manches beunruhigt Sie, anderes nicht – Sorge und Gelassenheit halten sich etwa die Waage.",
        ),
        (
            "You tend to notice what could go wrong and feel worry more often than most.",
            "Sie bemerken schnell, was schiefgehen könnte, und machen sich häufiger Sorgen als die meisten.",
        ),
    ),
    "n2-anger": trait(
        ("Anger", "Reizbarkeit"),
        (
            "How readily you feel irritation, frustration and anger.",
            "Wie schnell Sie Gereiztheit, Frust und Ärger empfinden.",
        ),
        (
            "It takes a lot to make you angry, and you tend to stay patient when things get annoying.",
            "Es braucht viel, bis Sie sich ärgern; auch in lästigen Situationen bleiben Sie meist geduldig.",
        ),
        (
            "You get irritated now and then, but anger does not often take the lead.",
            "Sie sind ab und zu gereizt, doch Ärger bestimmt selten Ihr Handeln.",
        ),
        (
            "You feel irritation and anger quickly and strongly, especially when things seem unfair or go "
            "wrong.",
            "Sie reagieren schnell und stark mit Ärger, besonders wenn etwas unfair wirkt oder schiefläuft.",
        ),
    ),
    "n3-depression": trait(
        ("Depression", "Niedergeschlagenheit"),
        (
            "A tendency to feel sad, discouraged or down on yourself.",
            "Neigung, traurig, entmutigt oder mit sich selbst unzufrieden zu sein.",
        ),
        (
            "You rarely feel down for long and generally feel at peace with yourself.",
            "Sie sind selten lange niedergeschlagen und fühlen sich mit sich selbst im Allgemeinen im "
            "Reinen.",
        ),
        (
            "You have your low moments, but they are balanced by times when you feel good about yourself.",
            "Sie haben Ihre Tiefs, doch ihnen stehen Zeiten gegenüber, in denen Sie sich gut fühlen.",
        ),
        (
            "You feel sad, discouraged or critical of yourself more often than most. If these feelings weigh "
            "on you, talking to someone you trust can help.",
            "Sie fühlen sich häufiger als die meisten traurig, entmutigt oder unzufrieden mit sich. Wenn Sie "
            "das belastet, kann ein Gespräch mit einer Vertrauensperson helfen.",
        ),
    ),
    "n4-self-consciousness": trait(
        ("Self-Consciousness", "Soziale Befangenheit"),
        (
            "How sensitive you are to what others think of you, especially in social situations.",
            "Wie empfindlich Sie darauf reagieren, was andere über Sie denken – vor allem im Umgang mit "
            "anderen.",
        ),
        (
            "You feel at ease in social situations and are rarely troubled by what others might think.",
            "Sie fühlen sich im Umgang mit anderen wohl und sorgen sich kaum darum, was andere denken "
            "könnten.",
        ),
        (
            "Some social situations make you feel self-conscious, while others feel easy.",
            "Manche soziale Situationen machen Sie befangen, andere fallen Ihnen leicht.",
        ),
        (
            "You are quite aware of how others see you and can feel shy or awkward, especially with people "
            "you do not know well.",
            "Sie achten stark darauf, wie andere Sie sehen, und fühlen sich mitunter schüchtern oder "
            "unsicher – besonders bei Menschen, die Sie kaum kennen.",
        ),
    ),
    "n5-immoderation": trait(
        ("Immoderation", "Maßlosigkeit"),
        (
            "How hard you find it to resist cravings and urges.",
            "Wie schwer es Ihnen fällt, Gelüsten und Impulsen zu widerstehen.",
        ),
        (
            "You resist temptation easily and rarely overdo things.",
            "Sie widerstehen Versuchungen leicht und übertreiben es selten.",
        ),
        (
            "You sometimes give in to cravings but usually keep them within limits.",
            "Manchmal geben Sie Gelüsten nach, halten sich aber meist in Grenzen.",
        ),
        (
            "You feel cravings and urges strongly and sometimes find it hard to stop once you have started.",
            "Sie spüren Verlangen und Impulse stark und können manchmal schwer aufhören, wenn Sie einmal "
            "angefangen haben.",
        ),
    ),
    "n6-vulnerability": trait(
        ("Vulnerability", "Verletzlichkeit"),
        (
            "How easily you feel overwhelmed when under pressure.",
            "Wie leicht Sie sich unter Druck überfordert fühlen.",
        ),
        (
            "You tend to stay calm and capable under pressure, even when things get hectic.",
            "Unter Druck bleiben Sie meist ruhig und handlungsfähig, auch wenn es hektisch wird.",
        ),
        (
            "Pressure sometimes gets to you, but you usually find your footing again.",
            "Druck setzt Ihnen manchmal zu, doch meist finden Sie wieder festen Boden.",
        ),
        (
            "Under pressure you can feel overwhelmed or unsure how to cope. Breaking problems into small "
            "steps "
            "and asking for support can make a real difference.",
            "Unter Druck fühlen Sie sich mitunter überfordert oder wissen nicht recht weiter. Probleme in "
            "kleine Schritte zu zerlegen und um Unterstützung zu bitten, kann viel bewirken.",
        ),
    ),
    "extraversion": trait(
        ("Extraversion", "Extraversion"),
        (
            "How much you seek out company, activity and excitement, and how much energy you draw from them.",
            "Wie sehr Sie Gesellschaft, Aktivität und Anregung suchen und wie viel Energie Sie daraus "
            "ziehen.",
        ),
        (
            "You tend to be reserved and enjoy quiet, calm time; you may prefer a few close contacts to a "
            "busy social life.",
            "Sie sind eher zurückhaltend und schätzen ruhige Zeit; wenige enge Kontakte sind Ihnen oft "
            "lieber als ein volles Sozialleben.",
        ),
        (
            "You enjoy company and activity at times and quiet at others, depending on the situation.",
            "Je nach Situation genießen Sie mal Gesellschaft und Trubel, mal Ruhe.",
        ),
        (
            "You are outgoing and energetic, and you draw energy from people, action and excitement.",
            "Sie sind kontaktfreudig und voller Energie und tanken bei Menschen, Aktivität und Abwechslung "
            "auf.",
        ),
    ),
    "e1-friendliness": trait(
        ("Friendliness", "Freundlichkeit"),
        (
            "How warm and approachable you are with other people.",
            "Wie herzlich und zugänglich Sie anderen Menschen begegnen.",
        ),
        (
            "You tend to keep some distance at first and open up to people slowly.",
            "Sie wahren anfangs gern etwas Abstand und öffnen sich anderen erst nach und nach.",
        ),
        (
            "You are friendly with people, though you do not always seek out new contacts.",
            "Sie begegnen anderen freundlich, suchen aber nicht immer von sich aus neue Kontakte.",
        ),
        (
            "You make friends easily and people tend to feel welcome around you.",
            "Sie finden leicht Freunde, und andere fühlen sich in Ihrer Nähe willkommen.",
        ),
    ),
    "e2-gregariousness": trait(
        ("Gregariousness", "Geselligkeit"),
        (
            "How much you enjoy being in groups and crowds.",
            "Wie sehr Sie es genießen, in Gruppen und unter vielen Menschen zu sein.",
        ),
        (
            "You prefer small groups or time on your own to large gatherings.",
            "Kleine Runden oder Zeit für sich sind Ihnen lieber als große Zusammenkünfte.",
        ),
        (
            "You enjoy a crowd now and then but also value time alone.",
            "Sie mögen ab und zu Trubel, schätzen aber auch Zeit für sich.",
        ),
        (
            "You enjoy lively gatherings and being among lots of people.",
            "Sie genießen lebhafte Treffen und sind gern unter vielen Menschen.",
        ),
    ),
    "e3-assertiveness": trait(
        ("Assertiveness", "Durchsetzungsfähigkeit"),
        (
            "How readily you take charge and speak up in a group.",
            "Wie bereitwillig Sie in einer Gruppe die Führung übernehmen und Ihre Meinung sagen.",
        ),
        (
            "You are usually happy to let others lead and prefer to contribute in the background.",
            "Sie überlassen die Führung meist gern anderen und tragen lieber im Hintergrund bei.",
        ),
        (
            "You take the lead when it is needed but are also comfortable following.",
            "Sie übernehmen die Führung, wenn es nötig ist, können sich aber auch gut anderen anschließen.",
        ),
        (
            "You naturally take charge, speak your mind and like to steer what happens.",
            "Sie übernehmen wie selbstverständlich die Führung, sagen, was Sie denken, und steuern gern das "
            "Geschehen.",
        ),
    ),
    "e4-activity-level": trait(
        ("Activity Level", "Aktivität"),
        (
            "The pace of your life and how busy you like to be.",
            "Ihr Lebenstempo und wie beschäftigt Sie gern sind.",
        ),
        (
            "You like a relaxed, unhurried pace and value time to slow down.",
            "Sie mögen ein entspanntes, gemächliches Tempo und schätzen Zeit zum Durchatmen.",
        ),
        (
            "You are busy at times and take it easy at others.",
            "Mal haben Sie viel vor, mal lassen Sie es ruhig angehen.",
        ),
        (
            "You keep a fast pace, like to be busy and fill your time with many activities.",
            "Sie leben in hohem Tempo, sind gern beschäftigt und füllen Ihre Zeit mit vielen Aktivitäten.",
        ),
    ),
    "e5-excitement-seeking": trait(
        ("Excitement-Seeking", "Erlebnissuche"),
        (
            "How much you crave thrills, adventure and stimulation.",
            "Wie sehr Sie Nervenkitzel, Abenteuer und Anregung suchen.",
        ),
        (
            "You prefer calm and predictable activities to thrills and risk.",
            "Ruhige, vorhersehbare Unternehmungen sind Ihnen lieber als Nervenkitzel und Risiko.",
        ),
        (
            "You enjoy some excitement now and then without needing it all the time.",
            "Ab und zu genießen Sie etwas Aufregung, brauchen sie aber nicht ständig.",
        ),
        (
            "You love excitement and adventure and can get bored when life is too quiet.",
            "Sie lieben Aufregung und Abenteuer und langweilen sich schnell, wenn es zu ruhig ist.",
        ),
    ),
    "e6-cheerfulness": trait(
        ("Cheerfulness", "Frohsinn"),
        (
            "How often you feel and show joy, enthusiasm and good spirits.",
            "Wie oft Sie Freude, Begeisterung und gute Laune empfinden und zeigen.",
        ),
        (
            "You tend to be serious and calm rather than openly exuberant.",
            "Sie sind eher ernsthaft und ruhig als überschwänglich.",
        ),
        (
            "You have plenty of cheerful moments, alongside more serious ones.",
            "Sie haben viele fröhliche Momente, daneben aber auch ernstere.",
        ),
        (
            "You often feel joyful and enthusiastic and tend to look on the bright side.",
            "Sie sind oft fröhlich und begeistert und sehen eher die Sonnenseite des Lebens.",
        ),
    ),
    "openness": trait(
        ("Openness to Experience", "Offenheit für Erfahrungen"),
        (
            "How much you are drawn to new ideas, experiences, art and imagination.",
            "Wie sehr es Sie zu neuen Ideen, Erfahrungen, Kunst und Fantasie hinzieht.",
        ),
        (
            "You prefer the familiar and practical, and you value what is tried and tested.",
            "Sie bevorzugen das Vertraute und Praktische und schätzen Bewährtes.",
        ),
        (
            "You are open to some new ideas and experiences while keeping to the familiar in other areas.",
            "In manchen Bereichen sind Sie offen für Neues, in anderen halten Sie sich an Vertrautes.",
        ),
        (
            "You are curious and imaginative, and you enjoy new ideas, art and experiences.",
            "Sie sind neugierig und fantasievoll und genießen neue Ideen, Kunst und Erfahrungen.",
        ),
    ),
    "o1-imagination": trait(
        ("Imagination", "Fantasie"),
        (
            "How rich your inner world of fantasy and daydreams is.",
            "Wie reich Ihre innere Welt aus Fantasie und Tagträumen ist.",
        ),
        (
            "You keep your thoughts grounded in the here and now rather than in daydreams.",
            "Ihre Gedanken bleiben eher im Hier und Jetzt als in Tagträumen.",
        ),
        (
            "You daydream at times but usually keep your attention on practical matters.",
            "Sie träumen manchmal vor sich hin, richten Ihre Aufmerksamkeit aber meist auf Praktisches.",
        ),
        (
            "You have a vivid imagination and enjoy losing yourself in daydreams and ideas.",
            "Sie haben eine lebhafte Fantasie und verlieren sich gern in Tagträumen und Gedanken.",
        ),
    ),
    "o2-artistic-interests": trait(
        ("Artistic Interests", "Künstlerische Interessen"),
        (
            "How much you value and are moved by art, music, poetry and beauty.",
            "Wie sehr Sie Kunst, Musik, Poesie und Schönheit schätzen und wie sehr sie Sie berühren.",
        ),
        (
            "Art and poetry are not a big part of your life; you may find beauty in more practical things.",
            "Kunst und Poesie spielen in Ihrem Leben keine große Rolle; Schönheit finden Sie vielleicht eher "
            "in praktischen Dingen.",
        ),
        (
            "You appreciate some forms of art and beauty without seeking them out often.",
            "Sie schätzen manche Formen von Kunst und Schönheit, ohne sie oft gezielt zu suchen.",
        ),
        (
            "You are moved by art and beauty and notice it in places others might overlook.",
            "Kunst und Schönheit berühren Sie, und Sie entdecken sie auch dort, wo andere sie übersehen.",
        ),
    ),
    "o3-emotionality": trait(
        ("Emotionality", "Emotionalität"),
        (
            "How aware you are of your own feelings and those of others.",
            "Wie bewusst Sie Ihre eigenen Gefühle und die anderer wahrnehmen.",
        ),
        (
            "You tend to be matter-of-fact and do not dwell much on feelings, yours or others'.",
            "Sie sind eher sachlich und verweilen nicht lange bei Gefühlen – weder bei Ihren noch bei denen "
            "anderer.",
        ),
        (
            "You pay attention to feelings in some situations and less in others.",
            "In manchen Situationen achten Sie stark auf Gefühle, in anderen weniger.",
        ),
        (
            "You experience your emotions intensely and are keenly aware of what you and others feel.",
            "Sie erleben Ihre Gefühle intensiv und nehmen genau wahr, was Sie und andere empfinden.",
        ),
    ),
    "o4-adventurousness": trait(
        ("Adventurousness", "Abenteuerlust"),
        (
            "How eager you are to try new things rather than stick with routines.",
            "Wie gern Sie Neues ausprobieren, statt bei Gewohntem zu bleiben.",
        ),
        (
            "You like familiar routines and prefer to stick with what you know works.",
            "Sie mögen vertraute Abläufe und bleiben gern bei dem, was sich bewährt hat.",
        ),
        (
            "You enjoy some variety but also value your familiar routines.",
            "Sie mögen etwas Abwechslung, schätzen aber auch Ihre gewohnten Abläufe.",
        ),
        (
            "You love variety and are eager to try new activities, places and ways of doing things.",
            "Sie lieben Abwechslung und probieren gern neue Aktivitäten, Orte und Herangehensweisen aus.",
        ),
    ),
    "o5-intellect": trait(
        ("Intellect", "Intellekt"),
        (
            "How much you enjoy abstract ideas, theories and intellectual challenges.",
            "Wie sehr Sie abstrakte Ideen, Theorien und geistige Herausforderungen genießen.",
        ),
        (
            "You prefer practical, concrete matters to abstract or theoretical discussions.",
            "Praktische, konkrete Fragen liegen Ihnen mehr als abstrakte oder theoretische Diskussionen.",
        ),
        (
            "You enjoy a good idea now and then but do not seek out abstract debates often.",
            "Sie mögen ab und zu eine anregende Idee, suchen abstrakte Debatten aber nicht oft.",
        ),
        (
            "You enjoy challenging reading, abstract ideas and thinking things through in depth.",
            "Sie lesen gern Anspruchsvolles, mögen abstrakte Ideen und denken Dinge gern gründlich durch.",
        ),
    ),
    "o6-liberalism": trait(
        # German "liberal" suggests pro-market politics; "Wertoffenheit" names what the facet measures.
        ("Liberalism", "Wertoffenheit"),
        (
            "How ready you are to question tradition, authority and conventional values.",
            "Wie bereit Sie sind, Traditionen, Autoritäten und herkömmliche Werte zu hinterfragen.",
        ),
        (
            "You value tradition and established rules, and you see them as a source of stability.",
            "Sie schätzen Traditionen und bewährte Regeln und sehen in ihnen eine Quelle von Stabilität.",
        ),
        (
            "You respect some traditions while being open to rethinking others.",
            "Manche Traditionen respektieren Sie, andere sind Sie bereit zu überdenken.",
        ),
        (
            "You like to question tradition and authority and are open to rethinking conventional values.",
            "Sie hinterfragen gern Traditionen und Autoritäten und sind offen dafür, herkömmliche Werte neu "
            "zu denken.",
        ),
    ),
    "agreeableness": trait(
        ("Agreeableness", "Verträglichkeit"),
        (
            "How much you value getting along with others, trust them and put their needs alongside your "
            "own.",
            "Wie wichtig Ihnen ein gutes Miteinander ist, wie sehr Sie anderen vertrauen und deren "
            "Bedürfnisse neben Ihre eigenen stellen.",
        ),
        (
            "You tend to be direct, sceptical and competitive, and you are ready to stand up for your own "
            "interests.",
            "Sie sind eher direkt, skeptisch und wettbewerbsorientiert und setzen sich für Ihre eigenen "
            "Interessen ein.",
        ),
        (
            "You balance cooperation with standing up for yourself, depending on the situation.",
            "Je nach Situation wägen Sie zwischen Zusammenarbeit und dem Vertreten eigener Interessen ab.",
        ),
        (
            "You are trusting, considerate and cooperative, and you care about getting along with people.",
            "Sie sind vertrauensvoll, rücksichtsvoll und kooperativ, und ein gutes Miteinander liegt Ihnen "
            "am "
            "Herzen.",
        ),
    ),
    "a1-trust": trait(
        ("Trust", "Vertrauen"),
        (
            "How much you assume that other people are honest and well-meaning.",
            "Wie sehr Sie davon ausgehen, dass andere Menschen ehrlich sind und es gut meinen.",
        ),
        (
            "You tend to be cautious with trust and like to see good intentions proven first.",
            "Sie sind mit Vertrauen eher vorsichtig und möchten gute Absichten zuerst bestätigt sehen.",
        ),
        (
            "You trust people in some situations and stay cautious in others.",
            "In manchen Situationen vertrauen Sie anderen, in anderen bleiben Sie vorsichtig.",
        ),
        (
            "You tend to believe that people are honest and mean well.",
            "Sie gehen davon aus, dass Menschen ehrlich sind und es gut meinen.",
        ),
    ),
    "a2-morality": trait(
        ("Morality", "Redlichkeit"),
        (
            "How firmly you avoid taking advantage of others or bending the rules for your own gain.",
            "Wie konsequent Sie darauf verzichten, andere auszunutzen oder Regeln zum eigenen Vorteil zu "
            "beugen.",
        ),
        (
            "You are pragmatic about rules and may use tactics to get ahead when you think it is justified.",
            "Sie gehen pragmatisch mit Regeln um und setzen auch Taktik ein, um voranzukommen, wenn Sie es "
            "für gerechtfertigt halten.",
        ),
        (
            "You are mostly straightforward, though you may bend the rules when the stakes feel high.",
            "Sie sind meist geradlinig, beugen Regeln aber vielleicht, wenn viel auf dem Spiel steht.",
        ),
        (
            "You deal with people honestly and would not take advantage of them to get ahead.",
            "Sie gehen ehrlich mit anderen um und würden sie nicht ausnutzen, um selbst voranzukommen.",
        ),
    ),
    "a3-altruism": trait(
        ("Altruism", "Altruismus"),
        (
            "How much you enjoy helping others and make time for them.",
            "Wie gern Sie anderen helfen und sich Zeit für sie nehmen.",
        ),
        (
            "You tend to focus on your own tasks and expect others to look after themselves.",
            "Sie konzentrieren sich eher auf Ihre eigenen Aufgaben und erwarten, dass andere für sich selbst "
            "sorgen.",
        ),
        (
            "You help others when you can, while keeping an eye on your own needs.",
            "Sie helfen anderen, wenn Sie können, und behalten dabei Ihre eigenen Bedürfnisse im Blick.",
        ),
        (
            "You genuinely enjoy helping others and readily make time for them.",
            "Sie helfen anderen von Herzen gern und nehmen sich bereitwillig Zeit für sie.",
        ),
    ),
    "a4-cooperation": trait(
        ("Cooperation", "Kooperationsbereitschaft"),
        (
            "How much you avoid confrontation and prefer to keep the peace.",
            "Wie sehr Sie Konfrontationen vermeiden und lieber den Frieden wahren.",
        ),
        (
            "You do not shy away from conflict and will push back hard when you disagree.",
            "Sie scheuen keinen Konflikt und halten deutlich dagegen, wenn Sie anderer Meinung sind.",
        ),
        (
            "You usually look for agreement but will stand your ground when it matters.",
            "Meist suchen Sie Einigung, doch wenn es darauf ankommt, bleiben Sie standhaft.",
        ),
        (
            "You dislike confrontation and prefer to resolve disagreements calmly.",
            "Sie mögen keine Konfrontationen und lösen Meinungsverschiedenheiten lieber in Ruhe.",
        ),
    ),
    "a5-modesty": trait(
        ("Modesty", "Bescheidenheit"),
        (
            "How much you play down your own achievements rather than put yourself forward.",
            "Wie sehr Sie Ihre eigenen Leistungen herunterspielen, statt sich in den Vordergrund zu stellen.",
        ),
        (
            "You have a confident view of yourself and are comfortable talking about your strengths.",
            "Sie haben ein selbstbewusstes Bild von sich und sprechen ohne Scheu über Ihre Stärken.",
        ),
        (
            "You can speak up about your strengths while not making a big show of them.",
            "Sie können über Ihre Stärken sprechen, ohne viel Aufhebens darum zu machen.",
        ),
        (
            "You are humble and would rather not draw attention to your own achievements.",
            "Sie sind bescheiden und lenken die Aufmerksamkeit ungern auf Ihre eigenen Leistungen.",
        ),
    ),
    "a6-sympathy": trait(
        ("Sympathy", "Mitgefühl"),
        (
            "How much you feel for people who are suffering or worse off.",
            "Wie sehr Sie mit Menschen mitfühlen, denen es schlecht geht.",
        ),
        (
            "You tend to take a tough-minded, rational view of hardship rather than an emotional one.",
            "Sie betrachten Notlagen eher nüchtern und rational als emotional.",
        ),
        (
            "You feel for people in hard times, balanced by a practical view of what can be done.",
            "Sie fühlen mit Menschen in schweren Zeiten mit und behalten dabei im Blick, was sich praktisch "
            "tun lässt.",
        ),
        (
            "You are deeply moved by others' hardship and feel real compassion for people who struggle.",
            "Die Not anderer berührt Sie tief, und Sie empfinden echtes Mitgefühl für Menschen, die zu "
            "kämpfen haben.",
        ),
    ),
    "conscientiousness": trait(
        ("Conscientiousness", "Gewissenhaftigkeit"),
        (
            "How organised, dependable and goal-directed you are.",
            "Wie organisiert, zuverlässig und zielstrebig Sie sind.",
        ),
        (
            "You are flexible and spontaneous and prefer to keep plans loose rather than follow strict "
            "routines.",
            "Sie sind flexibel und spontan und halten Pläne lieber locker, als strengen Abläufen zu folgen.",
        ),
        (
            "You are organised and disciplined in some areas and more relaxed in others.",
            "In manchen Bereichen sind Sie organisiert und diszipliniert, in anderen eher locker.",
        ),
        (
            "You are organised, reliable and persistent, and you like to finish what you start.",
            "Sie sind organisiert, zuverlässig und ausdauernd und bringen gern zu Ende, was Sie anfangen.",
        ),
    ),
    "c1-self-efficacy": trait(
        ("Self-Efficacy", "Selbstwirksamkeit"),
        (
            "How confident you are in your ability to get things done.",
            "Wie sehr Sie darauf vertrauen, Dinge erfolgreich erledigen zu können.",
        ),
        (
            "You sometimes doubt whether you can handle tasks well, even when you may be more capable than "
            "you think.",
            "Sie zweifeln manchmal, ob Sie Aufgaben gut bewältigen können – vielleicht sind Sie fähiger, als "
            "Sie denken.",
        ),
        (
            "You feel capable with many tasks, and less sure with others.",
            "Bei vielen Aufgaben fühlen Sie sich sicher, bei anderen weniger.",
        ),
        (
            "You feel confident that you can handle tasks and get things done well.",
            "Sie sind zuversichtlich, Aufgaben zu meistern und Dinge gut zu erledigen.",
        ),
    ),
    "c2-orderliness": trait(
        ("Orderliness", "Ordnungsliebe"),
        (
            "How much you like tidiness, structure and things in their place.",
            "Wie sehr Sie Ordnung, Struktur und einen festen Platz für alles schätzen.",
        ),
        (
            "You are relaxed about mess and do not mind if things are not always in their place.",
            "Unordnung stört Sie wenig, und es macht Ihnen nichts aus, wenn nicht alles an seinem Platz ist.",
        ),
        (
            "You like some order but do not mind a bit of clutter.",
            "Sie mögen eine gewisse Ordnung, ein bisschen Durcheinander stört Sie aber nicht.",
        ),
        (
            "You like things neat and organised, with everything in its place.",
            "Sie mögen es ordentlich und gut organisiert, mit einem festen Platz für alles.",
        ),
    ),
    "c3-dutifulness": trait(
        ("Dutifulness", "Pflichtbewusstsein"),
        (
            "How strongly you feel bound by promises, rules and obligations.",
            "Wie sehr Sie sich an Versprechen, Regeln und Verpflichtungen gebunden fühlen.",
        ),
        (
            "You treat rules and obligations flexibly and are willing to bend them when they do not fit.",
            "Sie gehen flexibel mit Regeln und Verpflichtungen um und beugen sie, wenn sie nicht passen.",
        ),
        (
            "You usually keep your commitments, though you are flexible about some rules.",
            "Meist halten Sie Ihre Zusagen ein, bei manchen Regeln sind Sie aber flexibel.",
        ),
        (
            "You take your promises and obligations seriously and stick to the rules.",
            "Sie nehmen Ihre Versprechen und Pflichten ernst und halten sich an die Regeln.",
        ),
    ),
    "c4-achievement-striving": trait(
        ("Achievement-Striving", "Leistungsstreben"),
        (
            "How hard you work towards goals and how high you set the bar.",
            "Wie hart Sie auf Ziele hinarbeiten und wie hoch Sie die Messlatte legen.",
        ),
        (
            "You are content with doing what is needed and value balance over constant striving.",
            "Sie sind zufrieden, wenn Sie das Nötige erledigt haben, und schätzen Ausgeglichenheit mehr als "
            "ständiges Streben.",
        ),
        (
            "You work hard towards goals that matter to you, while keeping other things in proportion.",
            "Für Ziele, die Ihnen wichtig sind, arbeiten Sie hart, ohne anderes aus den Augen zu verlieren.",
        ),
        (
            "You set high goals, work hard and often do more than is expected of you.",
            "Sie stecken sich hohe Ziele, arbeiten hart und tun oft mehr, als von Ihnen erwartet wird.",
        ),
    ),
    "c5-self-discipline": trait(
        ("Self-Discipline", "Selbstdisziplin"),
        (
            "How well you get started on tasks and keep going until they are done.",
            "Wie gut Sie Aufgaben anpacken und dranbleiben, bis sie erledigt sind.",
        ),
        (
            "You can find it hard to get started or stay on task, especially when something is dull.",
            "Es fällt Ihnen manchmal schwer, anzufangen oder dranzubleiben – besonders bei eintönigen "
            "Aufgaben.",
        ),
        (
            "You follow through on many tasks, though starting some can take a push.",
            "Viele Aufgaben ziehen Sie durch, doch bei manchen brauchen Sie einen Anstoß, um anzufangen.",
        ),
        (
            "You get going on tasks promptly and keep at them until they are finished.",
            "Sie packen Aufgaben zügig an und bleiben dran, bis sie erledigt sind.",
        ),
    ),
    "c6-cautiousness": trait(
        ("Cautiousness", "Besonnenheit"),
        (
            "How carefully you think before you act or decide.",
            "Wie sorgfältig Sie nachdenken, bevor Sie handeln oder entscheiden.",
        ),
        (
            "You tend to act quickly and spontaneously, sometimes before thinking everything through.",
            "Sie handeln eher schnell und spontan, manchmal bevor Sie alles durchdacht haben.",
        ),
        (
            "You think things over when it matters but also act on impulse at times.",
            "Wenn es darauf ankommt, denken Sie Dinge durch, handeln aber auch mal aus dem Bauch heraus.",
        ),
        (
            "You think carefully before you act and weigh your options before making decisions.",
            "Sie denken gründlich nach, bevor Sie handeln, und wägen Ihre Möglichkeiten ab, bevor Sie "
            "entscheiden.",
        ),
    ),
}


# Observer forms of the 120 items, in order (English only, like the items themselves).
NEO_120_OBSERVER = [
    "Worries about things.",
    "Makes friends easily.",
    "Has a vivid imagination.",
    "Trusts others.",
    "Completes tasks successfully.",
    "Gets angry easily.",
    "Loves large parties.",
    "Believes in the importance of art.",
    "Uses others for their own ends.",
    "Likes to tidy up.",
    "Often feels blue.",
    "Takes charge.",
    "Experiences their emotions intensely.",
    "Loves to help others.",
    "Keeps their promises.",
    "Finds it difficult to approach others.",
    "Is always busy.",
    "Prefers variety to routine.",
    "Loves a good fight.",
    "Works hard.",
    "Goes on binges.",
    "Loves excitement.",
    "Loves to read challenging material.",
    "Believes that they are better than others.",
    "Is always prepared.",
    "Panics easily.",
    "Radiates joy.",
    "Tends to vote for liberal political candidates.",
    "Sympathizes with the homeless.",
    "Jumps into things without thinking.",
    "Fears for the worst.",
    "Feels comfortable around people.",
    "Enjoys wild flights of fantasy.",
    "Believes that others have good intentions.",
    "Excels in what they do.",
    "Gets irritated easily.",
    "Talks to a lot of different people at parties.",
    "Sees beauty in things that others might not notice.",
    "Cheats to get ahead.",
    "Often forgets to put things back in their proper place.",
    "Dislikes themselves.",
    "Tries to lead others.",
    "Feels others' emotions.",
    "Is concerned about others.",
    "Tells the truth.",
    "Is afraid to draw attention to themselves.",
    "Is always on the go.",
    "Prefers to stick with things that they know.",
    "Yells at people.",
    "Does more than what's expected of them.",
    "Rarely overindulges.",
    "Seeks adventure.",
    "Avoids philosophical discussions.",
    "Thinks highly of themselves.",
    "Carries out their plans.",
    "Becomes overwhelmed by events.",
    "Has a lot of fun.",
    "Believes that there is no absolute right or wrong.",
    "Feels sympathy for those who are worse off than themselves.",
    "Makes rash decisions.",
    "Is afraid of many things.",
    "Avoids contacts with others.",
    "Loves to daydream.",
    "Trusts what people say.",
    "Handles tasks smoothly.",
    "Loses their temper.",
    "Prefers to be alone.",
    "Does not like poetry.",
    "Takes advantage of others.",
    "Leaves a mess in their room.",
    "Is often down in the dumps.",
    "Takes control of things.",
    "Rarely notices their emotional reactions.",
    "Is indifferent to the feelings of others.",
    "Breaks rules.",
    "Only feels comfortable with friends.",
    "Does a lot in their spare time.",
    "Dislikes changes.",
    "Insults people.",
    "Does just enough work to get by.",
    "Easily resists temptations.",
    "Enjoys being reckless.",
    "Has difficulty understanding abstract ideas.",
    "Has a high opinion of themselves.",
    "Wastes their time.",
    "Feels that they are unable to deal with things.",
    "Loves life.",
    "Tends to vote for conservative political candidates.",
    "Is not interested in other people's problems.",
    "Rushes into things.",
    "Gets stressed out easily.",
    "Keeps others at a distance.",
    "Likes to get lost in thought.",
    "Distrusts people.",
    "Knows how to get things done.",
    "Is not easily annoyed.",
    "Avoids crowds.",
    "Does not enjoy going to art museums.",
    "Obstructs others' plans.",
    "Leaves their belongings around.",
    "Feels comfortable with themselves.",
    "Waits for others to lead the way.",
    "Doesn't understand people who get emotional.",
    "Takes no time for others.",
    "Breaks their promises.",
    "Is not bothered by difficult social situations.",
    "Likes to take it easy.",
    "Is attached to conventional ways.",
    "Gets back at others.",
    "Puts little time and effort into their work.",
    "Is able to control their cravings.",
    "Acts wild and crazy.",
    "Is not interested in theoretical discussions.",
    "Boasts about their virtues.",
    "Has difficulty starting tasks.",
    "Remains calm under pressure.",
    "Looks at the bright side of life.",
    "Believes that we should be tough on crime.",
    "Tries not to think about the needy.",
    "Acts without thinking.",
]


def build_ipip_neo_120() -> dict[str, Any]:
    items = NEO_120_ITEMS
    assert len(NEO_120_OBSERVER) == 120 and all(text.endswith(".") for text in NEO_120_OBSERVER)
    # Published structure: 120 items, cycling N1 E1 O1 A1 C1 N2 ... C6; 4 items per facet; 55 minus-keyed.
    assert len(items) == 120, len(items)
    for number, (facet, sign, text) in enumerate(items, start=1):
        position = (number - 1) % 30
        expected = "NEOAC"[position % 5] + str(position // 5 + 1)
        assert facet == expected, (number, facet, expected)
        assert sign in "+-" and text.endswith("."), (number, sign, text)
    assert len({text for _, _, text in items}) == 120, "duplicate item text"
    per_facet = Counter(facet for facet, _, _ in items)
    assert len(per_facet) == 30 and set(per_facet.values()) == {4}, per_facet
    per_domain = Counter(facet[0] for facet, _, _ in items)
    assert per_domain == dict.fromkeys("NEOAC", 24), per_domain
    minus = Counter(facet[0] for facet, sign, _ in items if sign == "-")
    assert sum(minus.values()) == 55, minus
    assert minus == {"N": 7, "E": 6, "O": 12, "A": 17, "C": 13}, minus
    assert set(NEO_FACETS) == set(per_facet) and set(NEO_TRAITS) == set(NEO_FACETS.values()) | {
        slug for slug, _ in NEO_DOMAINS.values()
    }

    dimensions = []
    for letter, (domain_slug, order) in NEO_DOMAINS.items():
        dimensions.append(
            dimension(
                domain_slug,
                NEO_TRAITS[domain_slug],
                None,
                order,
                {"min": 24, "max": 120},
                item_mean_bands(NEO_TRAITS[domain_slug]),
            )
        )
        for number in range(1, 7):
            facet_slug = NEO_FACETS[f"{letter}{number}"]
            dimensions.append(
                dimension(
                    facet_slug,
                    NEO_TRAITS[facet_slug],
                    domain_slug,
                    number,
                    {"min": 4, "max": 20},
                    item_mean_bands(NEO_TRAITS[facet_slug]),
                )
            )

    version_items = [
        {
            "key": f"q{number}",
            "section": "main",
            "type": "single_choice",
            "text": text,
            "observer_text": NEO_120_OBSERVER[number - 1],
            "help_text": "",
            "required": True,
            "config": {},
            "unscored": False,
            # No published, openly licensed German item set exists for the IPIP-NEO-120 (see README).
            "translations": {},
            "options": ipip_options(),
            "mappings": [linear(NEO_FACETS[facet], reverse=sign == "-")],
            "branch": [],
        }
        for number, (facet, sign, text) in enumerate(items, start=1)
    ]
    domain_slugs = [slug for slug, _ in NEO_DOMAINS.values()]
    return {
        "format": FORMAT,
        "analysis_model": {
            "slug": "big-five-ipip-neo",
            "name": "Big Five with 30 facets (IPIP-NEO)",
            "description": (
                "Five-Factor Model domains, each with six facets, scored from the public-domain "
                "IPIP-NEO-120 (Johnson, 2014). Facets sum their four items (reverse-keyed items as 6 − x); "
                "a domain sums its 24 items. Bands compare the item mean with the scale midpoint 3."
            ),
            "config": {
                "aggregation": "sum",
                "normalization": {"method": "minmax"},
                "band_basis": "item_mean",
            },
            "translations": {
                "de": {
                    "name": "Big Five mit 30 Facetten (IPIP-NEO)",
                    "description": (
                        "Die Bereiche des Fünf-Faktoren-Modells mit je sechs Facetten, ausgewertet mit dem "
                        "gemeinfreien IPIP-NEO-120 (Johnson, 2014). Eine Facette summiert ihre vier Aussagen "
                        "(umgepolte Aussagen als 6 − x), ein Bereich seine 24 Aussagen. Die Einstufung "
                        "vergleicht den Mittelwert je Aussage mit der Skalenmitte 3."
                    ),
                }
            },
            "dimensions": dimensions,
            "composites": [composite("primary-trait", "argmax", *PRIMARY_TRAIT, domain_slugs)],
        },
        "questionnaire": {
            "slug": "ipip-neo-120",
            "title": "IPIP-NEO-120",
            "description": (
                "A 120-item public-domain personality inventory measuring the five broad domains of the "
                "Five-Factor Model and thirty narrower facets (Johnson, 2014). Takes about 15–20 minutes."
            ),
            "default_locale": "en",
            "translations": {
                "de": {
                    "title": "IPIP-NEO-120",
                    "description": (
                        "Ein gemeinfreier Persönlichkeitsfragebogen mit 120 Aussagen, der die fünf großen "
                        "Persönlichkeitsbereiche des Fünf-Faktoren-Modells und dreißig engere Facetten misst "
                        "(Johnson, 2014). Die Aussagen liegen nur auf Englisch vor. Dauer: etwa 15–20 "
                        "Minuten."
                    ),
                }
            },
        },
        "version": {
            # v2 adds observer wording for survey responders; items, keys and scoring are v1's.
            "version": 2,
            "metadata": {
                "changes": VERSION_2_CHANGES,
                "source": (
                    "Johnson, J. A. (2014). Measuring thirty facets of the Five Factor Model with a 120-item "
                    "public domain inventory: Development of the IPIP-NEO-120. Journal of Research in "
                    "Personality, 51, 78–89. https://doi.org/10.1016/j.jrp.2014.05.003"
                ),
                "source_url": "https://ipip.ori.org/30FacetNEO-PI-RItems.htm",
                "license": "public domain (IPIP)",
                "item_locales": ["en"],
            },
            "instructions": IPIP_INSTRUCTIONS,
            "observer_instructions": IPIP_OBSERVER_INSTRUCTIONS,
            "translations": {
                "de": {
                    "instructions": IPIP_INSTRUCTIONS_DE,
                    "observer_instructions": IPIP_OBSERVER_INSTRUCTIONS_DE,
                }
            },
            "sections": [IPIP_SECTION],
            "items": version_items,
        },
    }


# ---------------------------------------------------------------------------------------------
# 2. IPIP 50-item Big-Five Factor Markers (Goldberg, 1992)
# ---------------------------------------------------------------------------------------------

# The 50 items in the standard order: (factor number, key, English text, German text).
# Factors: 1 Extraversion, 2 Agreeableness, 3 Conscientiousness, 4 Emotional Stability,
# 5 Intellect/Imagination; item n belongs to factor ((n-1) mod 5) + 1.
# English: https://ipip.ori.org/New_IPIP-50-item-scale.htm and https://ipip.ori.org/newBigFive5broadKey.htm.
# German: translated for Personai (not a validated translation; see README).
IPIP_50_ITEMS = [
    (1, "+", "Am the life of the party.", "Bin die Stimmungskanone auf Partys."),
    (2, "-", "Feel little concern for others.", "Empfinde wenig Anteilnahme für andere."),
    (3, "+", "Am always prepared.", "Bin immer gut vorbereitet."),
    (4, "-", "Get stressed out easily.", "Gerate leicht in Stress."),
    (5, "+", "Have a rich vocabulary.", "Habe einen großen Wortschatz."),
    (1, "-", "Don't talk a lot.", "Rede nicht viel."),
    (2, "+", "Am interested in people.", "Interessiere mich für Menschen."),
    (3, "-", "Leave my belongings around.", "Lasse meine Sachen herumliegen."),
    (4, "+", "Am relaxed most of the time.", "Bin meistens entspannt."),
    (
        5,
        "-",
        "Have difficulty understanding abstract ideas.",
        "Habe Schwierigkeiten, abstrakte Gedanken zu verstehen.",
    ),
    (1, "+", "Feel comfortable around people.", "Fühle mich unter Menschen wohl."),
    (2, "-", "Insult people.", "Beleidige andere."),
    (3, "+", "Pay attention to details.", "Achte auf Details."),
    (4, "-", "Worry about things.", "Mache mir viele Sorgen."),
    (5, "+", "Have a vivid imagination.", "Habe eine lebhafte Fantasie."),
    (1, "-", "Keep in the background.", "Halte mich im Hintergrund."),
    (2, "+", "Sympathize with others' feelings.", "Habe Verständnis für die Gefühle anderer."),
    (3, "-", "Make a mess of things.", "Bringe Dinge durcheinander."),
    (4, "+", "Seldom feel blue.", "Bin selten niedergeschlagen."),
    (5, "-", "Am not interested in abstract ideas.", "Interessiere mich nicht für abstrakte Ideen."),
    (1, "+", "Start conversations.", "Fange Gespräche an."),
    (
        2,
        "-",
        "Am not interested in other people's problems.",
        "Interessiere mich nicht für die Probleme anderer.",
    ),
    (3, "+", "Get chores done right away.", "Erledige anstehende Arbeiten sofort."),
    (4, "-", "Am easily disturbed.", "Bin leicht aus der Ruhe zu bringen."),
    (5, "+", "Have excellent ideas.", "Habe ausgezeichnete Ideen."),
    (1, "-", "Have little to say.", "Habe wenig zu sagen."),
    (2, "+", "Have a soft heart.", "Habe ein weiches Herz."),
    (
        3,
        "-",
        "Often forget to put things back in their proper place.",
        "Vergesse oft, Dinge an ihren Platz zurückzulegen.",
    ),
    (4, "-", "Get upset easily.", "Rege mich leicht auf."),
    (5, "-", "Do not have a good imagination.", "Habe keine gute Vorstellungskraft."),
    (
        1,
        "+",
        "Talk to a lot of different people at parties.",
        "Rede auf Partys mit vielen verschiedenen Leuten.",
    ),
    (2, "-", "Am not really interested in others.", "Interessiere mich nicht wirklich für andere."),
    (3, "+", "Like order.", "Mag Ordnung."),
    (4, "-", "Change my mood a lot.", "Meine Stimmung wechselt oft."),
    (5, "+", "Am quick to understand things.", "Verstehe Dinge schnell."),
    (1, "-", "Don't like to draw attention to myself.", "Ziehe ungern die Aufmerksamkeit auf mich."),
    (2, "+", "Take time out for others.", "Nehme mir Zeit für andere."),
    (3, "-", "Shirk my duties.", "Drücke mich vor meinen Pflichten."),
    (4, "-", "Have frequent mood swings.", "Habe häufig Stimmungsschwankungen."),
    (5, "+", "Use difficult words.", "Verwende schwierige Wörter."),
    (1, "+", "Don't mind being the center of attention.", "Habe nichts dagegen, im Mittelpunkt zu stehen."),
    (2, "+", "Feel others' emotions.", "Spüre die Gefühle anderer."),
    (3, "+", "Follow a schedule.", "Halte mich an einen Zeitplan."),
    (4, "-", "Get irritated easily.", "Werde leicht gereizt."),
    (5, "+", "Spend time reflecting on things.", "Nehme mir Zeit, über Dinge nachzudenken."),
    (1, "-", "Am quiet around strangers.", "Bin in Gegenwart von Fremden still."),
    (2, "+", "Make people feel at ease.", "Sorge dafür, dass sich andere wohlfühlen."),
    (3, "+", "Am exacting in my work.", "Bin bei meiner Arbeit sehr genau."),
    (4, "-", "Often feel blue.", "Bin oft niedergeschlagen."),
    (5, "+", "Am full of ideas.", "Stecke voller Ideen."),
]

# Factor number → (slug, sort_order == factor number).
IPIP_50_FACTORS = {
    1: "extraversion",
    2: "agreeableness",
    3: "conscientiousness",
    4: "emotional-stability",
    5: "intellect",
}
# Keying per factor in the official scoring key (plus, minus).
IPIP_50_KEYS = {1: (5, 5), 2: (6, 4), 3: (6, 4), 4: (2, 8), 5: (7, 3)}

IPIP_50_TRAITS = {
    "extraversion": trait(
        ("Extraversion", "Extraversion"),
        (
            "How talkative, sociable and comfortable in the spotlight you are.",
            "Wie gesprächig und gesellig Sie sind und wie wohl Sie sich im Mittelpunkt fühlen.",
        ),
        (
            "You tend to be quiet and reserved, especially with people you do not know, and you are happy to "
            "stay in the background.",
            "Sie sind eher still und zurückhaltend, besonders bei Menschen, die Sie nicht kennen, und "
            "bleiben "
            "gern im Hintergrund.",
        ),
        (
            "You are sociable and talkative in some settings and quieter in others.",
            "In manchen Situationen sind Sie gesellig und gesprächig, in anderen ruhiger.",
        ),
        (
            "You are talkative and sociable, start conversations easily and do not mind being the centre of "
            "attention.",
            "Sie sind gesprächig und gesellig, kommen leicht ins Gespräch und stehen ohne Scheu im "
            "Mittelpunkt.",
        ),
    ),
    "agreeableness": trait(
        ("Agreeableness", "Verträglichkeit"),
        (
            "How interested you are in other people and how much you care about their feelings.",
            "Wie sehr Sie sich für andere Menschen interessieren und wie wichtig Ihnen deren Gefühle sind.",
        ),
        (
            "You tend to focus on your own concerns and keep some emotional distance from other people's "
            "problems.",
            "Sie konzentrieren sich eher auf Ihre eigenen Anliegen und halten zu den Problemen anderer etwas "
            "emotionalen Abstand.",
        ),
        (
            "You care about others and make time for them, while also keeping your own concerns in view.",
            "Andere liegen Ihnen am Herzen und Sie nehmen sich Zeit für sie, behalten aber auch Ihre eigenen "
            "Anliegen im Blick.",
        ),
        (
            "You are warm and caring, take an interest in people and help them feel at ease.",
            "Sie sind warmherzig und fürsorglich, interessieren sich für Menschen und sorgen dafür, dass sie "
            "sich wohlfühlen.",
        ),
    ),
    "conscientiousness": trait(
        ("Conscientiousness", "Gewissenhaftigkeit"),
        (
            "How organised, prepared and careful with details you are.",
            "Wie organisiert, vorbereitet und sorgfältig im Detail Sie sind.",
        ),
        (
            "You are relaxed about order and schedules and prefer to go with the flow.",
            "Ordnung und Zeitpläne nehmen Sie locker; Sie lassen die Dinge lieber auf sich zukommen.",
        ),
        (
            "You are organised in some areas and more easy-going in others.",
            "In manchen Bereichen sind Sie organisiert, in anderen eher locker.",
        ),
        (
            "You are well prepared, pay attention to detail and like order and schedules.",
            "Sie sind gut vorbereitet, achten auf Details und mögen Ordnung und feste Pläne.",
        ),
    ),
    "emotional-stability": trait(
        ("Emotional Stability", "Emotionale Stabilität"),
        (
            "How calm and even-tempered you are, and how rarely stress or mood swings throw you off balance.",
            "Wie ruhig und ausgeglichen Sie sind und wie selten Stress oder Stimmungsschwankungen Sie aus "
            "dem "
            "Gleichgewicht bringen.",
        ),
        (
            "You feel stress, worry and changing moods fairly strongly and often. This sensitivity can also "
            "make you responsive to what is going on around you.",
            "Sie erleben Stress, Sorgen und wechselnde Stimmungen recht stark und häufig. Diese "
            "Empfindsamkeit macht Sie aber auch aufmerksam für das, was um Sie herum geschieht.",
        ),
        (
            "You stay calm in some situations and feel stressed or moody in others.",
            "In manchen Situationen bleiben Sie ruhig, in anderen fühlen Sie sich gestresst oder launisch.",
        ),
        (
            "You are usually relaxed and even-tempered, and stress rarely throws you off balance.",
            "Sie sind meist entspannt und ausgeglichen, und Stress bringt Sie selten aus dem Gleichgewicht.",
        ),
    ),
    "intellect": trait(
        ("Intellect/Imagination", "Intellekt/Vorstellungskraft"),
        (
            "How much you enjoy ideas, imagination, reflection and rich language.",
            "Wie sehr Sie Ideen, Fantasie, Nachdenken und eine reiche Sprache schätzen.",
        ),
        (
            "You prefer concrete, practical matters to abstract ideas and flights of imagination.",
            "Konkrete, praktische Fragen liegen Ihnen mehr als abstrakte Ideen und Gedankenspiele.",
        ),
        (
            "You enjoy ideas and imagination at times while staying focused on practical matters at others.",
            "Manchmal genießen Sie Ideen und Fantasie, manchmal konzentrieren Sie sich lieber auf "
            "Praktisches.",
        ),
        (
            "You are full of ideas, enjoy reflecting on things and quickly grasp abstract concepts.",
            "Sie stecken voller Ideen, denken gern über Dinge nach und erfassen abstrakte Zusammenhänge "
            "schnell.",
        ),
    ),
}


# Observer forms of the 50 items, in order: (English, German).
IPIP_50_OBSERVER = [
    ("Is the life of the party.", "Ist die Stimmungskanone auf Partys."),
    ("Feels little concern for others.", "Empfindet wenig Anteilnahme für andere."),
    ("Is always prepared.", "Ist immer gut vorbereitet."),
    ("Gets stressed out easily.", "Gerät leicht in Stress."),
    ("Has a rich vocabulary.", "Hat einen großen Wortschatz."),
    ("Doesn't talk a lot.", "Redet nicht viel."),
    ("Is interested in people.", "Interessiert sich für Menschen."),
    ("Leaves their belongings around.", "Lässt die eigenen Sachen herumliegen."),
    ("Is relaxed most of the time.", "Ist meistens entspannt."),
    ("Has difficulty understanding abstract ideas.", "Hat Schwierigkeiten, abstrakte Gedanken zu verstehen."),
    ("Feels comfortable around people.", "Fühlt sich unter Menschen wohl."),
    ("Insults people.", "Beleidigt andere."),
    ("Pays attention to details.", "Achtet auf Details."),
    ("Worries about things.", "Macht sich viele Sorgen."),
    ("Has a vivid imagination.", "Hat eine lebhafte Fantasie."),
    ("Keeps in the background.", "Hält sich im Hintergrund."),
    ("Sympathizes with others' feelings.", "Hat Verständnis für die Gefühle anderer."),
    ("Makes a mess of things.", "Bringt Dinge durcheinander."),
    ("Seldom feels blue.", "Ist selten niedergeschlagen."),
    ("Is not interested in abstract ideas.", "Interessiert sich nicht für abstrakte Ideen."),
    ("Starts conversations.", "Fängt Gespräche an."),
    ("Is not interested in other people's problems.", "Interessiert sich nicht für die Probleme anderer."),
    ("Gets chores done right away.", "Erledigt anstehende Arbeiten sofort."),
    ("Is easily disturbed.", "Ist leicht aus der Ruhe zu bringen."),
    ("Has excellent ideas.", "Hat ausgezeichnete Ideen."),
    ("Has little to say.", "Hat wenig zu sagen."),
    ("Has a soft heart.", "Hat ein weiches Herz."),
    (
        "Often forgets to put things back in their proper place.",
        "Vergisst oft, Dinge an ihren Platz zurückzulegen.",
    ),
    ("Gets upset easily.", "Regt sich leicht auf."),
    ("Does not have a good imagination.", "Hat keine gute Vorstellungskraft."),
    ("Talks to a lot of different people at parties.", "Redet auf Partys mit vielen verschiedenen Leuten."),
    ("Is not really interested in others.", "Interessiert sich nicht wirklich für andere."),
    ("Likes order.", "Mag Ordnung."),
    ("Changes their mood a lot.", "Wechselt oft die Stimmung."),
    ("Is quick to understand things.", "Versteht Dinge schnell."),
    ("Doesn't like to draw attention to themselves.", "Zieht ungern die Aufmerksamkeit auf sich."),
    ("Takes time out for others.", "Nimmt sich Zeit für andere."),
    ("Shirks their duties.", "Drückt sich vor den eigenen Pflichten."),
    ("Has frequent mood swings.", "Hat häufig Stimmungsschwankungen."),
    ("Uses difficult words.", "Verwendet schwierige Wörter."),
    ("Doesn't mind being the center of attention.", "Hat nichts dagegen, im Mittelpunkt zu stehen."),
    ("Feels others' emotions.", "Spürt die Gefühle anderer."),
    ("Follows a schedule.", "Hält sich an einen Zeitplan."),
    ("Gets irritated easily.", "Wird leicht gereizt."),
    ("Spends time reflecting on things.", "Nimmt sich Zeit, über Dinge nachzudenken."),
    ("Is quiet around strangers.", "Ist in Gegenwart von Fremden still."),
    ("Makes people feel at ease.", "Sorgt dafür, dass sich andere wohlfühlen."),
    ("Is exacting in their work.", "Ist bei der Arbeit sehr genau."),
    ("Often feels blue.", "Ist oft niedergeschlagen."),
    ("Is full of ideas.", "Steckt voller Ideen."),
]


def build_ipip_50() -> dict[str, Any]:
    items = IPIP_50_ITEMS
    assert len(IPIP_50_OBSERVER) == 50
    assert len(items) == 50, len(items)
    for number, (factor, sign, text, text_de) in enumerate(items, start=1):
        assert factor == (number - 1) % 5 + 1, (number, factor)
        assert sign in "+-" and text.endswith(".") and text_de.endswith("."), number
    assert len({text for _, _, text, _ in items}) == 50 and len({t for *_, t in items}) == 50
    per_factor = Counter(factor for factor, *_ in items)
    assert per_factor == dict.fromkeys(range(1, 6), 10), per_factor
    for factor, (plus, minus) in IPIP_50_KEYS.items():
        signs = Counter(sign for f, sign, *_ in items if f == factor)
        assert signs == {"+": plus, "-": minus}, (factor, signs)
    assert sum(sign == "-" for _, sign, *_ in items) == 24
    assert set(IPIP_50_TRAITS) == set(IPIP_50_FACTORS.values())

    dimensions = [
        dimension(
            slug,
            IPIP_50_TRAITS[slug],
            None,
            factor,
            {"min": 10, "max": 50},
            item_mean_bands(IPIP_50_TRAITS[slug]),
        )
        for factor, slug in IPIP_50_FACTORS.items()
    ]
    version_items = [
        {
            "key": f"q{number}",
            "section": "main",
            "type": "single_choice",
            "text": text,
            "observer_text": IPIP_50_OBSERVER[number - 1][0],
            "help_text": "",
            "required": True,
            "config": {},
            "unscored": False,
            "translations": {
                "de": {"text": text_de, "observer_text": IPIP_50_OBSERVER[number - 1][1], "help_text": ""}
            },
            "options": ipip_options(),
            "mappings": [linear(IPIP_50_FACTORS[factor], reverse=sign == "-")],
            "branch": [],
        }
        for number, (factor, sign, text, text_de) in enumerate(items, start=1)
    ]
    return {
        "format": FORMAT,
        "analysis_model": {
            "slug": "big-five-ipip-50",
            "name": "Big Five factor markers (IPIP-50)",
            "description": (
                "Goldberg's Big-Five factor markers as represented by the 50-item IPIP scales: "
                "Extraversion, Agreeableness, Conscientiousness, Emotional Stability and "
                "Intellect/Imagination. Each factor sums ten items (reverse-keyed items as 6 − x); bands "
                "compare the item mean with the scale midpoint 3."
            ),
            "config": {
                "aggregation": "sum",
                "normalization": {"method": "minmax"},
                "band_basis": "item_mean",
            },
            "translations": {
                "de": {
                    "name": "Big-Five-Faktormarker (IPIP-50)",
                    "description": (
                        "Goldbergs Big-Five-Faktormarker in der Fassung mit 50 IPIP-Aussagen: Extraversion, "
                        "Verträglichkeit, Gewissenhaftigkeit, Emotionale Stabilität und "
                        "Intellekt/Vorstellungskraft. Jeder Faktor summiert zehn Aussagen (umgepolte "
                        "Aussagen als 6 − x); die Einstufung vergleicht den Mittelwert je Aussage mit der "
                        "Skalenmitte 3."
                    ),
                }
            },
            "dimensions": dimensions,
            "composites": [
                composite("primary-trait", "argmax", *PRIMARY_TRAIT, list(IPIP_50_FACTORS.values()))
            ],
        },
        "questionnaire": {
            "slug": "ipip-50",
            "title": "IPIP Big-Five Factor Markers (50 items)",
            "description": (
                "A short, public-domain questionnaire measuring the five broad personality factors with 50 "
                "items from the International Personality Item Pool (Goldberg, 1992). Takes about 5–10 "
                "minutes."
            ),
            "default_locale": "en",
            "translations": {
                "de": {
                    "title": "IPIP Big-Five-Faktormarker (50 Aussagen)",
                    "description": (
                        "Ein kurzer, gemeinfreier Fragebogen, der die fünf großen Persönlichkeitsfaktoren "
                        "mit "
                        "50 Aussagen aus dem International Personality Item Pool misst (Goldberg, 1992). "
                        "Dauer: etwa 5–10 Minuten."
                    ),
                }
            },
        },
        "version": {
            # v2 adds observer wording for survey responders; items, keys and scoring are v1's.
            "version": 2,
            "metadata": {
                "changes": VERSION_2_CHANGES,
                "source": (
                    "Goldberg, L. R. (1992). The development of markers for the Big-Five factor structure. "
                    "Psychological Assessment, 4(1), 26–42. https://doi.org/10.1037/1040-3590.4.1.26 — "
                    "50-item IPIP representation, International Personality Item Pool (ipip.ori.org)."
                ),
                "source_url": "https://ipip.ori.org/New_IPIP-50-item-scale.htm",
                "license": "public domain (IPIP)",
                "item_locales": ["en", "de"],
                "translation_note": "German item texts translated for Personai; not a validated translation.",
            },
            "instructions": IPIP_INSTRUCTIONS,
            "observer_instructions": IPIP_OBSERVER_INSTRUCTIONS,
            "translations": {
                "de": {
                    "instructions": IPIP_INSTRUCTIONS_DE,
                    "observer_instructions": IPIP_OBSERVER_INSTRUCTIONS_DE,
                }
            },
            "sections": [IPIP_SECTION],
            "items": version_items,
        },
    }


# ---------------------------------------------------------------------------------------------
# 3. DISC-style work styles (original items, written for Personai)
# ---------------------------------------------------------------------------------------------

DISC_TRAITS = {
    "d": trait(
        ("Dominance", "Dominanz"),
        (
            "A direct, decisive, results-focused way of working: taking charge and tackling challenges "
            "head-on.",
            "Eine direkte, entschlossene und ergebnisorientierte Arbeitsweise: die Führung übernehmen und "
            "Herausforderungen direkt angehen.",
        ),
        (
            "Compared with your other styles, Dominance plays a smaller part: you more often reach decisions together than drive them alone.",
            "Im Vergleich zu Ihren anderen Stilen spielt Dominanz eine kleinere Rolle: Sie treffen Entscheidungen eher gemeinsam, als sie allein voranzutreiben.",
        ),
        (
            "Dominance is about as strong as your other styles: you take charge when a situation calls for it and let others lead at other times.",
            "Dominanz ist etwa so stark wie Ihre anderen Stile: Sie übernehmen die Führung, wenn die Lage es verlangt, und überlassen sie zu anderen Zeiten anderen.",
        ),
        (
            "Dominance stands out among your styles: more than anything else, you take charge, decide quickly and tackle challenges head-on.",
            "Dominanz sticht unter Ihren Stilen hervor: Mehr als alles andere prägt Sie, die Führung zu übernehmen, schnell zu entscheiden und Herausforderungen direkt anzugehen.",
        ),
        middle_key="moderate",
    ),
    "i": trait(
        ("Influence", "Initiative"),
        (
            "An outgoing, enthusiastic, people-focused way of working: persuading, inspiring and connecting "
            "with others.",
            "Eine kontaktfreudige, begeisterte und menschenorientierte Arbeitsweise: andere überzeugen, "
            "mitreißen und miteinander verbinden.",
        ),
        (
            "Compared with your other styles, Influence plays a smaller part: you more often let your work speak for itself than rally people.",
            "Im Vergleich zu Ihren anderen Stilen spielt Initiative eine kleinere Rolle: Sie lassen eher Ihre Arbeit für sich sprechen, als andere mitzureißen.",
        ),
        (
            "Influence is about as strong as your other styles: you can be lively and persuasive when it helps, and quieter at other times.",
            "Initiative ist etwa so stark wie Ihre anderen Stile: Wenn es hilft, gehen Sie lebhaft und überzeugend auf andere zu; zu anderen Zeiten sind Sie ruhiger.",
        ),
        (
            "Influence stands out among your styles: more than anything else, you enjoy inspiring people and bringing them together.",
            "Initiative sticht unter Ihren Stilen hervor: Mehr als alles andere prägt Sie, Menschen zu begeistern und zusammenzubringen.",
        ),
        middle_key="moderate",
    ),
    "s": trait(
        ("Steadiness", "Stetigkeit"),
        (
            "A calm, patient, supportive way of working: keeping things stable and looking after the people "
            "around you.",
            "Eine ruhige, geduldige und unterstützende Arbeitsweise: für Stabilität sorgen und sich um die "
            "Menschen im Umfeld kümmern.",
        ),
        (
            "Compared with your other styles, Steadiness plays a smaller part: change and variety suit you better than routine.",
            "Im Vergleich zu Ihren anderen Stilen spielt Stetigkeit eine kleinere Rolle: Wandel und Abwechslung liegen Ihnen mehr als Routine.",
        ),
        (
            "Steadiness is about as strong as your other styles: you value some stability and support others, and adapt when change comes.",
            "Stetigkeit ist etwa so stark wie Ihre anderen Stile: Sie schätzen eine gewisse Stabilität und unterstützen andere, passen sich aber an, wenn Veränderungen kommen.",
        ),
        (
            "Steadiness stands out among your styles: more than anything else, you are patient and dependable and keep things calm for the people around you.",
            "Stetigkeit sticht unter Ihren Stilen hervor: Mehr als alles andere prägt Sie, geduldig und verlässlich für Ruhe bei den Menschen um Sie herum zu sorgen.",
        ),
        middle_key="moderate",
    ),
    "c": trait(
        ("Conscientiousness", "Gewissenhaftigkeit"),
        (
            "A careful, precise, quality-focused way of working: getting the facts and the details right.",
            "Eine sorgfältige, genaue und qualitätsorientierte Arbeitsweise: Fakten und Details richtig "
            "erfassen.",
        ),
        (
            "Compared with your other styles, Conscientiousness plays a smaller part: you would rather move on than polish every detail.",
            "Im Vergleich zu Ihren anderen Stilen spielt Gewissenhaftigkeit eine kleinere Rolle: Sie gehen lieber weiter, als jedes Detail zu perfektionieren.",
        ),
        (
            "Conscientiousness is about as strong as your other styles: you check the important details without getting stuck on perfection.",
            "Gewissenhaftigkeit ist etwa so stark wie Ihre anderen Stile: Sie prüfen die wichtigen Details, ohne sich im Perfektionismus zu verlieren.",
        ),
        (
            "Conscientiousness stands out among your styles: more than anything else, you value accuracy and check the facts before acting.",
            "Gewissenhaftigkeit sticht unter Ihren Stilen hervor: Mehr als alles andere prägt Sie, auf Genauigkeit zu achten und Fakten zu prüfen, bevor Sie handeln.",
        ),
        middle_key="moderate",
    ),
}

# Situational single-choice items: (key, (text en, de), [(option key, style, (label en, de)), ...]).
# Each option adds 2 to one style (option-level `option_weight`); option order varies per item.
DISC_SITUATIONS = [
    (
        "meeting-stalls",
        (
            "A team meeting has stalled and nothing is moving. You usually…",
            "Eine Teambesprechung ist ins Stocken geraten, nichts geht voran. Sie…",
        ),
        [
            (
                "a",
                "d",
                (
                    "propose a decision and push things forward.",
                    "schlagen eine Entscheidung vor und treiben die Sache voran.",
                ),
            ),
            (
                "b",
                "i",
                (
                    "lighten the mood and get people talking again.",
                    "lockern die Stimmung auf und bringen das Gespräch wieder in Gang.",
                ),
            ),
            (
                "c",
                "s",
                (
                    "check that everyone has had a chance to be heard.",
                    "achten darauf, dass alle zu Wort gekommen sind.",
                ),
            ),
            (
                "d",
                "c",
                (
                    "ask which facts are still missing before anyone decides.",
                    "fragen, welche Fakten noch fehlen, bevor entschieden wird.",
                ),
            ),
        ],
    ),
    (
        "new-project",
        (
            "You are handed a new project with very few instructions. Your first move is to…",
            "Sie bekommen ein neues Projekt mit sehr wenigen Vorgaben. Als Erstes…",
        ),
        [
            (
                "a",
                "c",
                (
                    "gather the details and draft a careful plan.",
                    "sammeln Sie die Einzelheiten und entwerfen einen sorgfältigen Plan.",
                ),
            ),
            (
                "b",
                "d",
                (
                    "set an ambitious goal and get started straight away.",
                    "setzen Sie sich ein ehrgeiziges Ziel und legen sofort los.",
                ),
            ),
            (
                "c",
                "i",
                (
                    "talk it through with people who might get excited about it.",
                    "sprechen Sie mit Leuten darüber, die sich dafür begeistern könnten.",
                ),
            ),
            (
                "d",
                "s",
                (
                    "find out who is affected and how to keep things running smoothly.",
                    "klären Sie, wer betroffen ist und wie alles reibungslos weiterlaufen kann.",
                ),
            ),
        ],
    ),
    (
        "disagreement",
        (
            "A colleague openly disagrees with you in front of others. You tend to…",
            "Eine Kollegin oder ein Kollege widerspricht Ihnen vor anderen. Sie…",
        ),
        [
            (
                "a",
                "s",
                (
                    "stay calm and look for a compromise that keeps the peace.",
                    "bleiben ruhig und suchen einen Kompromiss, der den Frieden wahrt.",
                ),
            ),
            (
                "b",
                "c",
                (
                    "go back to the evidence to see what is actually right.",
                    "schauen sich die Belege an, um zu sehen, was tatsächlich stimmt.",
                ),
            ),
            (
                "c",
                "d",
                (
                    "make your case firmly and hold your ground.",
                    "vertreten Ihren Standpunkt bestimmt und bleiben dabei.",
                ),
            ),
            (
                "d",
                "i",
                (
                    "use humour and warmth to find common ground.",
                    "finden mit Humor und Herzlichkeit eine gemeinsame Basis.",
                ),
            ),
        ],
    ),
    (
        "deadline-moved",
        (
            "A deadline is suddenly brought forward by a week. You…",
            "Eine Frist wird plötzlich um eine Woche vorgezogen. Sie…",
        ),
        [
            (
                "a",
                "i",
                ("rally people and keep spirits up.", "motivieren alle und sorgen für gute Stimmung."),
            ),
            (
                "b",
                "s",
                (
                    "steady the team and protect the routines that work.",
                    "geben dem Team Halt und bewahren die Abläufe, die funktionieren.",
                ),
            ),
            (
                "c",
                "c",
                (
                    "work out exactly what can still be done to a good standard.",
                    "ermitteln genau, was sich noch in guter Qualität schaffen lässt.",
                ),
            ),
            (
                "d",
                "d",
                (
                    "take charge and reassign the work.",
                    "übernehmen die Führung und verteilen die Arbeit neu.",
                ),
            ),
        ],
    ),
    (
        "giving-feedback",
        (
            "When you give someone feedback on their work, you are most likely to be…",
            "Wenn Sie jemandem eine Rückmeldung zur Arbeit geben, sind Sie am ehesten…",
        ),
        [
            (
                "a",
                "d",
                ("direct: you get straight to the point.", "direkt: Sie kommen gleich auf den Punkt."),
            ),
            (
                "b",
                "c",
                (
                    "precise: you name specific details and examples.",
                    "präzise: Sie nennen konkrete Details und Beispiele.",
                ),
            ),
            (
                "c",
                "i",
                (
                    "encouraging: you focus on what could be exciting next.",
                    "ermutigend: Sie betonen, was als Nächstes spannend sein könnte.",
                ),
            ),
            (
                "d",
                "s",
                (
                    "gentle: you make sure the person feels supported.",
                    "behutsam: Sie sorgen dafür, dass sich die Person unterstützt fühlt.",
                ),
            ),
        ],
    ),
]

# The multi-choice item's options: (option key, style, (label en, de)); each selected option adds 1.
DISC_ENERGISERS = [
    ("winning", "d", ("Winning against a tough challenge", "Eine harte Herausforderung meistern")),
    ("deciding", "d", ("Being the one who makes the call", "Selbst die Entscheidung treffen")),
    ("meeting-people", "i", ("Meeting new people", "Neue Menschen kennenlernen")),
    ("pitching", "i", ("Getting others excited about an idea", "Andere für eine Idee begeistern")),
    (
        "helping",
        "s",
        ("Helping someone through a difficult patch", "Jemandem durch eine schwierige Phase helfen"),
    ),
    (
        "harmony",
        "s",
        ("A calm team where everyone gets along", "Ein ruhiges Team, in dem alle gut miteinander auskommen"),
    ),
    ("solving", "c", ("Solving a tricky problem properly", "Ein kniffliges Problem gründlich lösen")),
    ("quality", "c", ("Getting the details exactly right", "Die Details genau richtig hinbekommen")),
]

# Observer forms of the DISC texts, for survey responders describing someone else; {name} is that
# person. Per item: its text, and where the self text speaks of "you", option labels and scale
# labels, each (English, German). Options that read the same for an observer are left out.
DISC_OBSERVER: dict[str, dict[str, Any]] = {
    "meeting-stalls": {
        "text": (
            "A team meeting has stalled and nothing is moving. {name} usually…",
            "Eine Teambesprechung ist ins Stocken geraten, nichts geht voran. {name}…",
        ),
        "options": {
            "a": (
                "proposes a decision and pushes things forward.",
                "schlägt eine Entscheidung vor und treibt die Sache voran.",
            ),
            "b": (
                "lightens the mood and gets people talking again.",
                "lockert die Stimmung auf und bringt das Gespräch wieder in Gang.",
            ),
            "c": (
                "checks that everyone has had a chance to be heard.",
                "achtet darauf, dass alle zu Wort gekommen sind.",
            ),
            "d": (
                "asks which facts are still missing before anyone decides.",
                "fragt, welche Fakten noch fehlen, bevor entschieden wird.",
            ),
        },
    },
    "new-project": {
        "text": (
            "{name} is handed a new project with very few instructions. Their first move is to…",
            "{name} bekommt ein neues Projekt mit sehr wenigen Vorgaben. Als Erstes…",
        ),
        "options": {
            "a": (
                "gather the details and draft a careful plan.",
                "sammelt {name} die Einzelheiten und entwirft einen sorgfältigen Plan.",
            ),
            "b": (
                "set an ambitious goal and get started straight away.",
                "setzt sich {name} ein ehrgeiziges Ziel und legt sofort los.",
            ),
            "c": (
                "talk it through with people who might get excited about it.",
                "spricht {name} mit Leuten darüber, die sich dafür begeistern könnten.",
            ),
            "d": (
                "find out who is affected and how to keep things running smoothly.",
                "klärt {name}, wer betroffen ist und wie alles reibungslos weiterlaufen kann.",
            ),
        },
    },
    "disagreement": {
        "text": (
            "A colleague openly disagrees with {name} in front of others. {name} tends to…",
            "Eine Kollegin oder ein Kollege widerspricht {name} vor anderen. {name}…",
        ),
        "options": {
            "a": (
                "stay calm and look for a compromise that keeps the peace.",
                "bleibt ruhig und sucht einen Kompromiss, der den Frieden wahrt.",
            ),
            "b": (
                "go back to the evidence to see what is actually right.",
                "schaut sich die Belege an, um zu sehen, was tatsächlich stimmt.",
            ),
            "c": (
                "make their case firmly and hold their ground.",
                "vertritt den eigenen Standpunkt bestimmt und bleibt dabei.",
            ),
            "d": (
                "use humour and warmth to find common ground.",
                "findet mit Humor und Herzlichkeit eine gemeinsame Basis.",
            ),
        },
    },
    "deadline-moved": {
        "text": (
            "A deadline is suddenly brought forward by a week. {name}…",
            "Eine Frist wird plötzlich um eine Woche vorgezogen. {name}…",
        ),
        "options": {
            "a": ("rallies people and keeps spirits up.", "motiviert alle und sorgt für gute Stimmung."),
            "b": (
                "steadies the team and protects the routines that work.",
                "gibt dem Team Halt und bewahrt die Abläufe, die funktionieren.",
            ),
            "c": (
                "works out exactly what can still be done to a good standard.",
                "ermittelt genau, was sich noch in guter Qualität schaffen lässt.",
            ),
            "d": (
                "takes charge and reassigns the work.",
                "übernimmt die Führung und verteilt die Arbeit neu.",
            ),
        },
    },
    "giving-feedback": {
        "text": (
            "When {name} gives someone feedback on their work, {name} is most likely to be…",
            "Wenn {name} jemandem eine Rückmeldung zur Arbeit gibt, ist {name} am ehesten…",
        ),
        "options": {
            "a": ("direct: gets straight to the point.", "direkt: kommt gleich auf den Punkt."),
            "b": (
                "precise: names specific details and examples.",
                "präzise: nennt konkrete Details und Beispiele.",
            ),
            "c": (
                "encouraging: focuses on what could be exciting next.",
                "ermutigend: betont, was als Nächstes spannend sein könnte.",
            ),
            "d": (
                "gentle: makes sure the person feels supported.",
                "behutsam: sorgt dafür, dass sich die Person unterstützt fühlt.",
            ),
        },
    },
    "step-in": {
        "text": (
            "When a group has no clear leader, does {name} usually step in and organise things?",
            "Wenn eine Gruppe keine klare Leitung hat: Übernimmt {name} dann meist selbst die Organisation?",
        )
    },
    "speak-to-group": {
        "text": (
            "Does {name} enjoy being the one who presents or speaks in front of a group?",
            "Steht {name} gern vor einer Gruppe, um etwas vorzustellen oder das Wort zu ergreifen?",
        )
    },
    "prefer-routine": {
        "text": (
            "Does {name} prefer a predictable routine to frequent change?",
            "Ist {name} ein vorhersehbarer Ablauf lieber als häufige Veränderungen?",
        )
    },
    "double-check": {
        "text": (
            "Does {name} usually double-check their work before handing it over?",
            "Prüft {name} die eigene Arbeit meist noch einmal, bevor sie abgegeben wird?",
        )
    },
    "decision-speed": {
        "text": (
            "How quickly does {name} like to make decisions?",
            "Wie schnell trifft {name} Entscheidungen am liebsten?",
        )
    },
    "people-energy": {
        "text": (
            "How much does talking with lots of different people energise {name}?",
            "Wie viel Energie gibt es {name}, mit vielen verschiedenen Menschen zu sprechen?",
        )
    },
    "stability-need": {
        "text": (
            "How important is a stable, predictable working environment to {name}?",
            "Wie wichtig ist {name} ein stabiles, vorhersehbares Arbeitsumfeld?",
        )
    },
    "work-rhythm": {
        "text": (
            "Which working rhythm suits {name} best?",
            "Welcher Arbeitsrhythmus passt am besten zu {name}?",
        )
    },
    "leads-team": {
        "text": (
            "Does {name} currently lead a team or group – at work, as a volunteer or anywhere else?",
            "Leitet {name} zurzeit ein Team oder eine Gruppe – im Beruf, im Ehrenamt oder anderswo?",
        )
    },
    "lead-decisions": {
        "text": (
            "When {name} leads, how does {name} usually reach decisions?",
            "Wie kommt {name} als Leitung meist zu Entscheidungen?",
        ),
        "max_label": ("{name} decides, then explains", "{name} entscheidet und erklärt es dann"),
    },
    "energisers": {"text": ("Which of these energise {name}?", "Was davon gibt {name} Energie?")},
    "anything-else": {
        "text": (
            "Anything else about how {name} works?",
            "Möchten Sie noch etwas zur Arbeitsweise von {name} ergänzen?",
        )
    },
}


def with_observer_texts(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its observer texts from DISC_OBSERVER (every item has at least a text)."""
    observer = DISC_OBSERVER[item["key"]]
    item["observer_text"], item["translations"]["de"]["observer_text"] = observer["text"]
    for option in item["options"]:
        if option["key"] in observer.get("options", {}):
            label, label_de = observer["options"][option["key"]]
            option["observer_label"] = label
            option["translations"]["de"]["observer_label"] = label_de
    for name in ("min_label", "max_label"):
        if name in observer:
            item["config"][f"observer_{name}"], item["translations"]["de"][f"observer_{name}"] = observer[
                name
            ]
    return item


def disc_item(
    key: str,
    section: str,
    item_type: str,
    text: tuple[str, str],
    mappings: list[dict[str, Any]],
    *,
    config: dict[str, Any] | None = None,
    options: list[dict[str, Any]] | None = None,
    help_text: tuple[str, str] = ("", ""),
    required: bool = True,
    unscored: bool = False,
    branch: list[dict[str, Any]] | None = None,
    scale_labels_de: tuple[str, str] | None = None,
) -> dict[str, Any]:
    translation = {"text": text[1], "help_text": help_text[1]}
    if scale_labels_de is not None:
        # German labels for the scalar's config.min_label / config.max_label.
        translation["min_label"], translation["max_label"] = scale_labels_de
    return {
        "key": key,
        "section": section,
        "type": item_type,
        "text": text[0],
        "observer_text": "",
        "help_text": help_text[0],
        "required": required,
        "config": config or {},
        "unscored": unscored,
        "translations": {"de": translation},
        "options": options or [],
        "mappings": mappings,
        "branch": branch or [],
    }


def choice_option(key: str, value: int, label: tuple[str, str]) -> dict[str, Any]:
    return {
        "key": key,
        "label": label[0],
        "observer_label": "",
        "value": value,
        "translations": {"de": {"label": label[1]}},
    }


def scale(low: tuple[str, str], high: tuple[str, str]) -> tuple[dict[str, Any], tuple[str, str]]:
    """A 0–10 scalar config (English labels) and the German labels."""
    return {"min": 0, "max": 10, "step": 1, "min_label": low[0], "max_label": high[0]}, (low[1], high[1])


def build_disc() -> dict[str, Any]:
    items: list[dict[str, Any]] = []

    # Section 1: everyday situations (single choice; every option weighs 2 towards one style).
    for key, text, choices in DISC_SITUATIONS:
        assert sorted(style for _, style, _ in choices) == ["c", "d", "i", "s"], key
        items.append(
            disc_item(
                key,
                "situations",
                "single_choice",
                text,
                [
                    mapping(style, "option_weight", {"weight": 2}, option=option)
                    for option, style, _ in choices
                ],
                options=[choice_option(option, n, label) for n, (option, _, label) in enumerate(choices, 1)],
            )
        )

    # Section 2: preferences (booleans with boolean_gate, 0–10 scales with range_linear / range_bucket,
    # and one single choice whose options carry option-level constants).
    items += [
        disc_item(
            "step-in",
            "preferences",
            "boolean",
            (
                "When a group has no clear leader, do you usually step in and organise things?",
                "Wenn eine Gruppe keine klare Leitung hat: Übernehmen Sie dann meist selbst die "
                "Organisation?",
            ),
            [mapping("d", "boolean_gate", {"true": 2, "false": 0})],
        ),
        disc_item(
            "speak-to-group",
            "preferences",
            "boolean",
            (
                "Do you enjoy being the one who presents or speaks in front of a group?",
                "Stehen Sie gern vor einer Gruppe, um etwas vorzustellen oder das Wort zu ergreifen?",
            ),
            [mapping("i", "boolean_gate", {"true": 2, "false": 0})],
        ),
        disc_item(
            "prefer-routine",
            "preferences",
            "boolean",
            (
                "Do you prefer a predictable routine to frequent change?",
                "Ist Ihnen ein vorhersehbarer Ablauf lieber als häufige Veränderungen?",
            ),
            [
                mapping("s", "boolean_gate", {"true": 2, "false": 0}),
                mapping("d", "boolean_gate", {"true": -1, "false": 0}),
            ],
        ),
        disc_item(
            "double-check",
            "preferences",
            "boolean",
            (
                "Do you usually double-check your work before you hand it over?",
                "Prüfen Sie Ihre Arbeit meist noch einmal, bevor Sie sie abgeben?",
            ),
            [mapping("c", "boolean_gate", {"true": 2, "false": -1})],
        ),
    ]
    speed_config, speed_de = scale(
        ("Slowly, after careful thought", "Langsam, nach gründlichem Nachdenken"),
        ("Quickly, on the spot", "Schnell, aus dem Stegreif"),
    )
    energy_config, energy_de = scale(("Not at all", "Überhaupt nicht"), ("Enormously", "Enorm"))
    stability_config, stability_de = scale(("Not important", "Unwichtig"), ("Essential", "Unverzichtbar"))
    items += [
        disc_item(
            "decision-speed",
            "preferences",
            "scalar",
            (
                "How quickly do you like to make decisions?",
                "Wie schnell treffen Sie Entscheidungen am liebsten?",
            ),
            [linear("d", multiplier=0.2), linear("c", reverse=True, multiplier=0.2)],
            config=speed_config,
            scale_labels_de=speed_de,
        ),
        disc_item(
            "people-energy",
            "preferences",
            "scalar",
            (
                "How much does talking with lots of different people energise you?",
                "Wie viel Energie gibt es Ihnen, mit vielen verschiedenen Menschen zu sprechen?",
            ),
            [linear("i", multiplier=0.2)],
            config=energy_config,
            scale_labels_de=energy_de,
        ),
        disc_item(
            "stability-need",
            "preferences",
            "scalar",
            (
                "How important is a stable, predictable working environment to you?",
                "Wie wichtig ist Ihnen ein stabiles, vorhersehbares Arbeitsumfeld?",
            ),
            [
                mapping(
                    "s",
                    "range_bucket",
                    {
                        "buckets": [
                            {"min": 0, "max": 3, "contribution": 0},
                            {"min": 4, "max": 6, "contribution": 1},
                            {"min": 7, "max": 10, "contribution": 2},
                        ]
                    },
                )
            ],
            config=stability_config,
            scale_labels_de=stability_de,
        ),
        disc_item(
            "work-rhythm",
            "preferences",
            "single_choice",
            ("Which working rhythm suits you best?", "Welcher Arbeitsrhythmus passt am besten zu Ihnen?"),
            [
                # Option-level constants: a fast rhythm adds to D and I, a steady one to S and C;
                # "it depends" adds nothing.
                mapping("d", "constant", {"value": 1}, option="fast"),
                mapping("i", "constant", {"value": 1}, option="fast"),
                mapping("s", "constant", {"value": 1}, option="steady"),
                mapping("c", "constant", {"value": 1}, option="steady"),
            ],
            options=[
                choice_option(
                    "fast", 1, ("Fast, with lots happening at once", "Schnell, mit vielem gleichzeitig")
                ),
                choice_option(
                    "steady", 2, ("Steady, one thing at a time", "Gleichmäßig, eins nach dem anderen")
                ),
                choice_option("depends", 3, ("It depends on the day", "Das hängt vom Tag ab")),
            ],
        ),
    ]

    # Section 3: leading, energy and a closing free-text question.
    lead_config, lead_de = scale(
        ("The group decides together", "Die Gruppe entscheidet gemeinsam"),
        ("I decide, then explain", "Ich entscheide und erkläre es dann"),
    )
    items += [
        disc_item(
            "leads-team",
            "leading",
            "boolean",
            (
                "Do you currently lead a team or group – at work, as a volunteer or anywhere else?",
                "Leiten Sie zurzeit ein Team oder eine Gruppe – im Beruf, im Ehrenamt oder anderswo?",
            ),
            [],
            unscored=True,  # only decides whether the next question is shown
        ),
        disc_item(
            "lead-decisions",
            "leading",
            "scalar",
            (
                "When you lead, how do you usually reach decisions?",
                "Wie kommen Sie als Leitung meist zu Entscheidungen?",
            ),
            [linear("d", multiplier=0.2), linear("s", reverse=True, multiplier=0.2)],
            config=lead_config,
            scale_labels_de=lead_de,
            branch=[{"action": "show", "logic": {"==": [{"var": "leads-team"}, True]}}],
        ),
        disc_item(
            "energisers",
            "leading",
            "multi_choice",
            ("Which of these energise you?", "Was davon gibt Ihnen Energie?"),
            [mapping(style, "option_weight", {"weight": 1}, option=key) for key, style, _ in DISC_ENERGISERS],
            config={"min_selected": 1, "max_selected": 3},
            options=[choice_option(key, n, label) for n, (key, _, label) in enumerate(DISC_ENERGISERS, 1)],
            help_text=("Choose up to three.", "Wählen Sie bis zu drei aus."),
        ),
        disc_item(
            "anything-else",
            "leading",
            "text",
            ("Anything else about how you work?", "Möchten Sie noch etwas zu Ihrer Arbeitsweise ergänzen?"),
            [],
            config={"max_length": 2000, "multiline": True},
            help_text=(
                "Optional. This answer is not scored.",
                "Freiwillig. Diese Antwort wird nicht ausgewertet.",
            ),
            required=False,
            unscored=True,
        ),
    ]

    assert set(DISC_OBSERVER) == {item["key"] for item in items}
    items = [with_observer_texts(item) for item in items]
    styles = list(DISC_TRAITS)
    ranges = {style: possible_raw_range(items, style) for style in styles}
    dimensions = [
        dimension(
            style,
            DISC_TRAITS[style],
            None,
            order,
            {"min": ranges[style][0], "max": ranges[style][1]},
            relative_bands(DISC_TRAITS[style]),
        )
        for order, style in enumerate(styles, 1)
    ]
    # Every style can reach the same maximum outside the leadership follow-up (balanced raw ranges).
    without_branch = [i for i in items if not i["branch"]]
    assert len({possible_raw_range(without_branch, s)[1] for s in styles}) == 1
    rule_types = {m["rule"] for i in items for m in i["mappings"]}
    assert rule_types == {"constant", "boolean_gate", "range_linear", "range_bucket", "option_weight"}
    assert {i["type"] for i in items} == {"single_choice", "boolean", "scalar", "multi_choice", "text"}

    return {
        "format": FORMAT,
        "analysis_model": {
            # A new slug: the first model ("disc-styles", bands on the 0–100 score) stays with the
            # published version 1, whose scores must not change.
            "slug": "disc-styles-relative",
            "name": "DISC work styles",
            "description": (
                "Four work styles in the DISC tradition – Dominance, Influence, Steadiness and "
                "Conscientiousness – measured with original Personai items. Each style sums its "
                "contributions and is rescaled to 0–100 over the range the answered items allow. Bands "
                "describe relative emphasis, as DISC does: each style compared with the mean of your own "
                "four scores (more than 10 points above it is pronounced, within 10 points balanced). A "
                "self-reflection aid, not a validated psychometric instrument."
            ),
            "config": {
                "aggregation": "sum",
                "normalization": {"method": "minmax"},
                "band_basis": "relative",
                "relative": {"method": "deviation"},
            },
            "translations": {
                "de": {
                    "name": "DISC-Arbeitsstile",
                    "description": (
                        "Vier Arbeitsstile in der DISC-Tradition – Dominanz, Initiative, Stetigkeit und "
                        "Gewissenhaftigkeit – erfasst mit eigenen Personai-Fragen. Jeder Stil summiert seine "
                        "Beiträge und wird über den Bereich, den die beantworteten Fragen zulassen, auf 0–100 "
                        "umgerechnet. Die Einstufung beschreibt, wie in der DISC-Tradition, die relative "
                        "Ausprägung: jeden Stil im Vergleich zum Mittelwert Ihrer eigenen vier Werte (mehr "
                        "als 10 Punkte darüber ist ausgeprägt, innerhalb von 10 Punkten ausgewogen). Eine "
                        "Hilfe zur Selbstreflexion, kein validiertes psychometrisches Verfahren."
                    ),
                }
            },
            "dimensions": dimensions,
            "composites": [
                composite(
                    "primary-style",
                    "argmax",
                    ("Primary style", "Hauptstil"),
                    (
                        "The style with the highest score on the 0–100 scale (ties go to the earlier style).",
                        "Der Stil mit dem höchsten Wert auf der Skala von 0 bis 100 (bei Gleichstand der "
                        "frühere).",
                    ),
                    styles,
                ),
                composite(
                    "pace",
                    "weighted_sum",
                    (
                        "Pace: fast and outspoken vs. steady and careful",
                        "Tempo: schnell und direkt vs. ruhig und sorgfältig",
                    ),
                    (
                        "D + I − S − C on the 0–100 scores, from −200 (steady and careful) to +200 (fast and "
                        "outspoken).",
                        "D + I − S − C auf den Werten von 0 bis 100, von −200 (ruhig und sorgfältig) bis "
                        "+200 (schnell und direkt).",
                    ),
                    [],
                    {"d": 1.0, "i": 1.0, "s": -1.0, "c": -1.0},
                ),
            ],
        },
        "questionnaire": {
            "slug": "disc",
            "title": "DISC work styles",
            "description": (
                "A short questionnaire about how you tend to work with others: how you decide, communicate, "
                "support and check. It describes four styles in the DISC tradition – Dominance, Influence, "
                "Steadiness and Conscientiousness. Takes about 5 minutes."
            ),
            "default_locale": "en",
            "translations": {
                "de": {
                    "title": "DISC-Arbeitsstile",
                    "description": (
                        "Ein kurzer Fragebogen dazu, wie Sie mit anderen zusammenarbeiten: wie Sie "
                        "entscheiden, kommunizieren, unterstützen und prüfen. Er beschreibt vier Stile in "
                        "der DISC-Tradition – Dominanz, Initiative, Stetigkeit und Gewissenhaftigkeit. "
                        "Dauer: etwa 5 Minuten."
                    ),
                }
            },
        },
        "version": {
            # v2 adds observer wording for survey responders; with relative (ipsative) bands: each style against the person's own mean.
            "version": 2,
            "metadata": {
                "changes": VERSION_2_CHANGES,
                "source": (
                    "Original items written for Personai in the tradition of Marston's DISC model "
                    "(Marston, W. M., 1928, Emotions of Normal People). No text is taken from any "
                    "commercial DISC assessment."
                ),
                "license": "Personai project content (same licence as the repository)",
                "item_locales": ["en", "de"],
                "validation_note": "Not normed or validated; for self-reflection and conversation only.",
            },
            "instructions": (
                "This questionnaire looks at how you tend to work with other people. It is not a test: there "
                "are no right or wrong answers, and every style has its strengths. Answer as you usually "
                "behave at work or in a group, not as you think you should."
            ),
            "observer_instructions": (
                "This questionnaire looks at how {name} tends to work with other people. It is not a test: "
                "there are no right or wrong answers, and every style has its strengths. Answer as {name} "
                "usually behaves at work or in a group, as you have experienced it – not as you think "
                "{name} should behave."
            ),
            "translations": {
                "de": {
                    "instructions": (
                        "Dieser Fragebogen beschäftigt sich damit, wie Sie mit anderen Menschen "
                        "zusammenarbeiten. Es ist kein Test: Es gibt keine richtigen oder falschen "
                        "Antworten, "
                        "und jeder Stil hat seine Stärken. Antworten Sie so, wie Sie sich bei der Arbeit "
                        "oder "
                        "in einer Gruppe gewöhnlich verhalten – nicht so, wie Sie meinen, dass Sie sich "
                        "verhalten sollten."
                    ),
                    "observer_instructions": (
                        "Dieser Fragebogen beschäftigt sich damit, wie {name} mit anderen Menschen "
                        "zusammenarbeitet. Es ist kein Test: Es gibt keine richtigen oder falschen Antworten, "
                        "und jeder Stil hat seine Stärken. Antworten Sie so, wie sich {name} nach Ihrer "
                        "Erfahrung bei der Arbeit oder in einer Gruppe gewöhnlich verhält – nicht so, wie sich "
                        "{name} Ihrer Meinung nach verhalten sollte."
                    ),
                }
            },
            "sections": [
                {
                    "key": "situations",
                    "title": "Everyday situations",
                    "observer_title": "",
                    "translations": {"de": {"title": "Alltägliche Situationen"}},
                },
                {
                    "key": "preferences",
                    "title": "Your preferences",
                    "observer_title": "{name}'s preferences",
                    "translations": {
                        "de": {"title": "Ihre Vorlieben", "observer_title": "Vorlieben von {name}"}
                    },
                },
                {
                    "key": "leading",
                    "title": "Leading and what energises you",
                    "observer_title": "Leading and what energises {name}",
                    "translations": {
                        "de": {
                            "title": "Führung und was Ihnen Energie gibt",
                            "observer_title": "Führung und was {name} Energie gibt",
                        }
                    },
                },
            ],
            "items": items,
        },
    }


# ---------------------------------------------------------------------------------------------
# Ranges (used for DISC range_hint and by the validator's sanity checks)
# ---------------------------------------------------------------------------------------------


def _numbers(item: dict[str, Any]) -> list[float]:
    """Every number an item's answer can take (scalar grid, or option values)."""
    if item["type"] == "scalar":
        low, high, step = item["config"]["min"], item["config"]["max"], item["config"].get("step", 1)
        count = round((high - low) / step)
        return [low + k * step for k in range(count + 1)]
    return [o["value"] for o in item["options"]]


def _rule_value(item: dict[str, Any], m: dict[str, Any], x: float) -> float:
    values = _numbers(item)
    if m["rule"] == "range_linear":
        if m["params"].get("reverse"):
            x = min(values) + max(values) - x
        return x * m["params"].get("multiplier", 1) + m["params"].get("offset", 0)
    for bucket in m["params"]["buckets"]:
        if (bucket["min"] is None or bucket["min"] <= x) and (bucket["max"] is None or x <= bucket["max"]):
            return bucket["contribution"]
    return 0


def item_raw_range(item: dict[str, Any], dim: str) -> tuple[float, float] | None:
    """(min, max) one item can add to one dimension, over every answer the item allows."""
    ms = [m for m in item["mappings"] if m["dimension"] == dim]
    if not ms or item.get("unscored"):
        return None
    kind = item["type"]
    if kind == "boolean":
        totals = [sum(m["params"][str(answer).lower()] for m in ms) for answer in (True, False)]
    elif kind in ("scalar", "single_choice") and all(m["option"] is None for m in ms):
        totals = [sum(_rule_value(item, m, x) for m in ms) for x in _numbers(item)]
    elif kind == "single_choice":
        totals = []
        for option in item["options"]:
            picked = [m for m in ms if m["option"] == option["key"]]
            totals.append(sum(m["params"].get("weight", m["params"].get("value", 0)) for m in picked))
    elif kind == "multi_choice":
        weights = sorted(
            sum(m["params"].get("weight", m["params"].get("value", 0)) for m in ms if m["option"] == o["key"])
            for o in item["options"]
        )
        least = item["config"].get("min_selected") or 0
        most = item["config"].get("max_selected")
        most = len(weights) if most is None else min(most, len(weights))
        sizes = range(least, most + 1)
        totals = [sum(weights[:k]) for k in sizes] + [sum(weights[len(weights) - k :]) for k in sizes]
    else:
        totals = [sum(m["params"].get("value", 0) for m in ms)]
    return min(totals), max(totals)


def possible_raw_range(items: list[dict[str, Any]], dim: str) -> tuple[float, float]:
    found = [r for r in (item_raw_range(i, dim) for i in items) if r is not None]
    low, high = sum(r[0] for r in found), sum(r[1] for r in found)
    return _tidy(low), _tidy(high)


def _tidy(number: float) -> float:
    rounded = round(number, 9)
    return int(rounded) if float(rounded).is_integer() else rounded


# ---------------------------------------------------------------------------------------------
# Validation against docs/questionnaire-format.md
# ---------------------------------------------------------------------------------------------

KEY_RE = re.compile(r"^[a-z0-9._-]+$")
ITEM_TYPES = {"boolean", "scalar", "single_choice", "multi_choice", "text"}
RULE_PARAMS = {
    "constant": {"value"},
    "boolean_gate": {"true", "false"},
    "range_linear": {"multiplier", "offset", "reverse"},
    "range_bucket": {"buckets"},
    "option_weight": {"weight"},
}
ITEM_LEVEL_RULES = {
    "boolean": {"constant", "boolean_gate"},
    "scalar": {"constant", "range_linear", "range_bucket"},
    "single_choice": {"constant", "range_linear", "range_bucket"},
    "multi_choice": {"constant"},
    "text": {"constant"},
}
OPTION_LEVEL_RULES = {"constant", "option_weight", "range_linear", "range_bucket"}
REQUIRED = {
    "$": {"format", "analysis_model", "questionnaire", "version"},
    "model": {"slug", "name", "description", "config", "translations", "dimensions", "composites"},
    "dimension": {
        "slug",
        "name",
        "parent",
        "sort_order",
        "description",
        "range_hint",
        "translations",
        "thresholds",
    },
    "threshold": {
        "key",
        "label",
        "lower",
        "upper",
        "lower_inclusive",
        "upper_inclusive",
        "narrative",
        "translations",
    },
    "composite": {"slug", "name", "description", "kind", "dimensions", "weights", "translations"},
    "questionnaire": {"slug", "title", "description", "default_locale", "translations"},
    "version": {
        "version",
        "metadata",
        "instructions",
        "observer_instructions",
        "translations",
        "sections",
        "items",
    },
    "section": {"key", "title", "observer_title", "translations"},
    "item": {
        "key",
        "section",
        "type",
        "text",
        "observer_text",
        "help_text",
        "required",
        "config",
        "unscored",
        "translations",
        "options",
        "mappings",
        "branch",
    },
    "option": {"key", "label", "observer_label", "value", "translations"},
    "mapping": {"dimension", "option", "rule", "params", "effective_from", "effective_to"},
}
# Text fields a translation may carry, per object (as questionnaires/importing.py accepts them).
TRANSLATABLE = {
    "model": {"name", "description"},
    "composite": {"name", "description"},
    "dimension": {"name", "description"},
    "threshold": {"label", "narrative"},
    "questionnaire": {"title", "description"},
    "version": {"instructions", "observer_instructions"},
    "section": {"title", "observer_title"},
    "item": {
        "text",
        "observer_text",
        "help_text",
        "min_label",
        "max_label",
        "observer_min_label",
        "observer_max_label",
    },
    "option": {"label", "observer_label"},
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _logic_vars(node: Any) -> list[str]:
    if isinstance(node, list):
        return [v for child in node for v in _logic_vars(child)]
    if isinstance(node, dict):
        found = []
        for operator, args in node.items():
            if operator == "var":
                name = args[0] if isinstance(args, list) else args
                found.append(name)
            else:
                found += _logic_vars(args)
        return found
    return []


def validate(
    doc: dict[str, Any], full_locales: tuple[str, ...], partial_locales: tuple[str, ...] = ()
) -> list[str]:
    """Problems with `doc`, each prefixed by its JSON path; [] when the document is sound.

    `full_locales` must translate every text (items included); `partial_locales` everything but the
    item texts.
    """
    errors: list[str] = []

    def need(obj: Any, kind: str, path: str) -> bool:
        if not isinstance(obj, dict):
            errors.append(f"{path}: expected an object")
            return False
        missing = REQUIRED[kind] - set(obj)
        if missing:
            errors.append(f"{path}: missing {sorted(missing)}")
        return not missing

    def key_ok(value: Any, path: str) -> None:
        if not (isinstance(value, str) and KEY_RE.match(value)):
            errors.append(f"{path}: bad key {value!r}")

    def translations(
        obj: dict[str, Any], kind: str, path: str, texts: set[str], partial: bool = True
    ) -> None:
        """Check one object's translations; `partial=False` skips the partially translated locales."""
        table = obj.get("translations")
        if not isinstance(table, dict):
            errors.append(f"{path}.translations: expected an object")
            return
        for locale, fields in table.items():
            extra = set(fields) - TRANSLATABLE[kind]
            if extra:
                errors.append(f"{path}.translations.{locale}: unexpected fields {sorted(extra)}")
            for name, value in fields.items():
                if not isinstance(value, str):
                    errors.append(f"{path}.translations.{locale}.{name}: expected a string")
        wanted = list(full_locales) + (list(partial_locales) if partial else [])
        for locale in wanted:
            present = table.get(locale, {})
            for name in texts:
                if obj.get(name) and not present.get(name):
                    errors.append(f"{path}.translations: no {locale!r} text for {name!r}")

    if not need(doc, "$", "$"):
        return errors
    if doc["format"] != FORMAT:
        errors.append(f"$.format: expected {FORMAT!r}")

    model = doc["analysis_model"]
    if need(model, "model", "$.analysis_model"):
        key_ok(model["slug"], "$.analysis_model.slug")
        config = model["config"]
        if config.get("aggregation") not in ("sum", "mean"):
            errors.append("$.analysis_model.config.aggregation: unknown")
        if (config.get("normalization") or {}).get("method") not in ("none", "minmax", "zscore"):
            errors.append("$.analysis_model.config.normalization.method: unknown")
        if config.get("band_basis") not in ("raw", "normalized", "item_mean", "relative"):
            errors.append("$.analysis_model.config.band_basis: unknown")
        translations(model, "model", "$.analysis_model", {"name", "description"})
    dims = model.get("dimensions", [])
    slugs = [d.get("slug") for d in dims]
    if len(set(slugs)) != len(slugs):
        errors.append("$.analysis_model.dimensions: slugs are not unique")
    known = set(slugs)
    parents = {d.get("slug"): d.get("parent") for d in dims}
    for n, dim in enumerate(dims):
        path = f"$.analysis_model.dimensions[{n}]"
        if not need(dim, "dimension", path):
            continue
        key_ok(dim["slug"], f"{path}.slug")
        parent = dim["parent"]
        if parent is not None and (parent not in known or slugs.index(parent) > n or parents.get(parent)):
            errors.append(f"{path}.parent: {parent!r} is not an earlier top-level dimension")
        if not isinstance(dim["sort_order"], int):
            errors.append(f"{path}.sort_order: expected an integer")
        hint = dim["range_hint"]
        if not (isinstance(hint, dict) and _is_number(hint.get("min")) and _is_number(hint.get("max"))):
            errors.append(f"{path}.range_hint: needs numeric min and max")
        elif hint["min"] >= hint["max"]:
            errors.append(f"{path}.range_hint: min must be below max")
        translations(dim, "dimension", path, {"name", "description"})
        thresholds = dim["thresholds"]
        if not thresholds:
            errors.append(f"{path}.thresholds: none")
        for t, band in enumerate(thresholds):
            tpath = f"{path}.thresholds[{t}]"
            if need(band, "threshold", tpath):
                key_ok(band["key"], f"{tpath}.key")
                translations(band, "threshold", tpath, {"label", "narrative"})
                if not band["narrative"]:
                    errors.append(f"{tpath}.narrative: empty")
        # Coverage: in list order the bands must tile the whole line without gaps or overlaps.
        for t, band in enumerate(thresholds):
            tpath = f"{path}.thresholds[{t}]"
            if t == 0 and band.get("lower") is not None:
                errors.append(f"{tpath}: the first band must be unbounded below")
            if t == len(thresholds) - 1 and band.get("upper") is not None:
                errors.append(f"{tpath}: the last band must be unbounded above")
            if t > 0:
                before = thresholds[t - 1]
                if before.get("upper") != band.get("lower"):
                    errors.append(f"{tpath}: gap or overlap after {before.get('upper')!r}")
                elif before.get("upper_inclusive") == band.get("lower_inclusive"):
                    errors.append(
                        f"{tpath}: the shared bound {band.get('lower')!r} must belong to exactly one band"
                    )
            lower, upper = band.get("lower"), band.get("upper")
            if (
                lower is not None
                and upper is not None
                and (
                    lower > upper
                    or (lower == upper and not (band["lower_inclusive"] and band["upper_inclusive"]))
                )
            ):
                errors.append(f"{tpath}: empty band")
    top_level = [d["slug"] for d in dims if d.get("parent") is None]
    for n, comp in enumerate(model.get("composites", [])):
        path = f"$.analysis_model.composites[{n}]"
        if not need(comp, "composite", path):
            continue
        key_ok(comp["slug"], f"{path}.slug")
        translations(comp, "composite", path, {"name", "description"})
        if comp["kind"] not in ("argmax", "weighted_sum"):
            errors.append(f"{path}.kind: unknown {comp['kind']!r}")
        for slug in [*comp["dimensions"], *comp["weights"]]:
            if slug not in known:
                errors.append(f"{path}: unknown dimension {slug!r}")
        if comp["kind"] == "argmax" and not set(comp["dimensions"]) <= set(top_level):
            errors.append(f"{path}: argmax over non-top-level dimensions")
        if any(not _is_number(w) for w in comp["weights"].values()):
            errors.append(f"{path}.weights: expected numbers")

    questionnaire = doc["questionnaire"]
    if need(questionnaire, "questionnaire", "$.questionnaire"):
        key_ok(questionnaire["slug"], "$.questionnaire.slug")
        translations(questionnaire, "questionnaire", "$.questionnaire", {"title", "description"})

    version = doc["version"]
    if not need(version, "version", "$.version"):
        return errors
    if not (isinstance(version["version"], int) and version["version"] >= 1):
        errors.append("$.version.version: expected a positive integer")
    if not isinstance(version["metadata"], dict) or not version["metadata"].get("source"):
        errors.append("$.version.metadata: needs a source")
    translations(version, "version", "$.version", {"instructions", "observer_instructions"})
    if not version["observer_instructions"]:
        errors.append("$.version.observer_instructions: empty (built-in instruments ship observer texts)")
    sections = version["sections"]
    section_keys = [s.get("key") for s in sections]
    if len(set(section_keys)) != len(section_keys) or not sections:
        errors.append("$.version.sections: keys missing or not unique")
    for n, section in enumerate(sections):
        path = f"$.version.sections[{n}]"
        if need(section, "section", path):
            key_ok(section["key"], f"{path}.key")
            translations(section, "section", path, {"title", "observer_title"})

    seen: list[str] = []
    used_sections: list[str] = []
    mapped: set[str] = set()
    for n, item in enumerate(version["items"]):
        path = f"$.version.items[{n}]"
        if not need(item, "item", path):
            continue
        key, kind = item["key"], item["type"]
        key_ok(key, f"{path}.key")
        if key in seen:
            errors.append(f"{path}.key: duplicate {key!r}")
        if item["section"] not in section_keys:
            errors.append(f"{path}.section: unknown section {item['section']!r}")
        elif used_sections and used_sections[-1] != item["section"] and item["section"] in used_sections:
            errors.append(f"{path}.section: items of section {item['section']!r} are not contiguous")
        used_sections.append(item["section"])
        if kind not in ITEM_TYPES:
            errors.append(f"{path}.type: unknown {kind!r}")
            continue
        if not item["text"]:
            errors.append(f"{path}.text: empty")
        if not item["observer_text"]:
            errors.append(f"{path}.observer_text: empty (built-in instruments ship observer texts)")
        translations(item, "item", path, {"text", "observer_text", "help_text"}, partial=False)
        for locale in full_locales if kind == "scalar" else ():
            for name in ("min_label", "max_label", "observer_min_label", "observer_max_label"):
                if item["config"].get(name) and not item["translations"].get(locale, {}).get(name):
                    errors.append(f"{path}.translations: no {locale!r} text for {name!r}")
        config = item["config"]
        if kind == "scalar" and (
            not all(_is_number(config.get(k)) for k in ("min", "max", "step"))
            or config["min"] >= config["max"]
        ):
            errors.append(f"{path}.config: scalar needs numeric min < max and step")
        if kind == "multi_choice":
            low, high = config.get("min_selected", 0), config.get("max_selected")
            if high is not None and not (0 <= low <= high <= len(item["options"])):
                errors.append(f"{path}.config: bad min_selected/max_selected")
        if kind == "text" and not isinstance(config.get("max_length"), int):
            errors.append(f"{path}.config: text needs max_length")
        options = item["options"]
        option_keys = [o.get("key") for o in options]
        if kind in ("single_choice", "multi_choice"):
            if len(options) < 2:
                errors.append(f"{path}.options: a choice item needs at least two options")
        elif options:
            errors.append(f"{path}.options: a {kind} item has no options")
        if len(set(option_keys)) != len(option_keys):
            errors.append(f"{path}.options: keys are not unique")
        for o, option in enumerate(options):
            opath = f"{path}.options[{o}]"
            if need(option, "option", opath):
                key_ok(option["key"], f"{opath}.key")
                if not _is_number(option["value"]):
                    errors.append(f"{opath}.value: expected a number")
                translations(option, "option", opath, {"label", "observer_label"})
        if item["unscored"] and item["mappings"]:
            errors.append(f"{path}: an unscored item has mappings")
        if not item["unscored"] and not item["mappings"]:
            errors.append(f"{path}: a scored item needs at least one mapping")
        for m, mp in enumerate(item["mappings"]):
            mpath = f"{path}.mappings[{m}]"
            if not need(mp, "mapping", mpath):
                continue
            rule = mp["rule"]
            if mp["dimension"] not in known:
                errors.append(f"{mpath}.dimension: unknown dimension {mp['dimension']!r}")
            mapped.add(mp["dimension"])
            if rule not in RULE_PARAMS:
                errors.append(f"{mpath}.rule: unknown {rule!r}")
                continue
            if set(mp["params"]) != RULE_PARAMS[rule]:
                errors.append(f"{mpath}.params: expected {sorted(RULE_PARAMS[rule])}")
            if mp["option"] is not None:
                if mp["option"] not in option_keys:
                    errors.append(f"{mpath}.option: unknown option {mp['option']!r}")
                if rule not in OPTION_LEVEL_RULES:
                    errors.append(f"{mpath}: rule {rule!r} cannot be set on an option")
            elif rule not in ITEM_LEVEL_RULES[kind]:
                errors.append(f"{mpath}: rule {rule!r} does not apply to a {kind} item as a whole")
            if rule == "range_bucket":
                for b in mp["params"]["buckets"]:
                    if not (_is_number(b.get("contribution")) and set(b) == {"min", "max", "contribution"}):
                        errors.append(f"{mpath}.params.buckets: each needs min, max, contribution")
            if mp["effective_from"] is not None or mp["effective_to"] is not None:
                errors.append(f"{mpath}: built-in mappings carry no effective window")
        for b, rule in enumerate(item["branch"]):
            bpath = f"{path}.branch[{b}]"
            if rule.get("action") not in ("show", "skip"):
                errors.append(f"{bpath}.action: unknown")
            for name in _logic_vars(rule.get("logic")):
                if name not in seen:
                    errors.append(f"{bpath}.logic: {name!r} is not an earlier item")
        seen.append(key)
    for slug in known - mapped:
        if not any(d.get("parent") == slug for d in dims):
            errors.append(f"$.analysis_model.dimensions: {slug!r} has no items mapped to it")
    return errors


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

# File name → (builder, locales translated in full, locales translated except for item texts).
INSTRUMENTS = {
    "ipip-neo-120.json": (build_ipip_neo_120, (), ("de",)),
    "ipip-50.json": (build_ipip_50, ("de",), ()),
    "disc.json": (build_disc, ("de",), ()),
}


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def summary(doc: dict[str, Any]) -> str:
    items = doc["version"]["items"]
    reversed_count = sum(
        1 for i in items for m in i["mappings"] if m["rule"] == "range_linear" and m["params"]["reverse"]
    )
    per_dim = Counter(m["dimension"] for i in items for m in i["mappings"])
    return (
        f"{doc['questionnaire']['slug']}: {len(items)} items, {len(doc['analysis_model']['dimensions'])} "
        f"dimensions, {reversed_count} reverse-keyed mappings, mappings per dimension "
        f"{dict(sorted(per_dim.items()))}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="validate and compare with the files; write nothing"
    )
    args = parser.parse_args(argv)
    status = 0
    for name, (build, full, partial) in INSTRUMENTS.items():
        doc = build()
        errors = validate(doc, full, partial)
        if errors:
            print(f"{name}: {len(errors)} problem(s)", *errors, sep="\n  ", file=sys.stderr)
            status = 1
            continue
        text = render(doc)
        assert json.loads(text) == doc
        target = HERE / name
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                print(f"{name}: out of date (run without --check to regenerate)", file=sys.stderr)
                status = 1
                continue
        else:
            target.write_text(text, encoding="utf-8")
        print(f"{name}: ok — {summary(doc)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
