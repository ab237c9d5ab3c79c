"""Triage: intent, sentiment, priority, language, topic and risk of a mention.

- Intent of an English post comes from the trained model (bot/core/intent.py); posts in
  the other languages careops reads are sorted by the word tables (triage_words.py),
  which the model never saw. A post the model calls praise but whose words complain
  ("great job losing my bag again 🙄") is a complaint, tagged "sarcasm".
- Spam and topic come from the word tables: on the labelled sets they do better than a
  model would with so few examples (docs/drafting.md has the figures).
- Sentiment is VADER's compound score; risk classes are in bot/core/risk.py.
Tags carry the reasons ("angry", "sarcasm", "legal", "thread" ...) onto the card.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core import triage_words as W
from bot.core.intent import decide
from bot.core.models import (
    NEGATIVE_SENTIMENT,
    POSITIVE_SENTIMENT,
    Intent,
    Mention,
    Priority,
    Triage,
)
from bot.core.risk import RISKS, detect_risks
from bot.core.sentiment import compound
from bot.core.text import count_letters, url_spans, without_handles, without_urls

SENTIMENT_CHARS = 1_000  # the opening of a long post says enough about its mood
LONG_POST = 280
MAX_CHARS = 10_000  # beyond this a post is junk or an attack; triage reads the start
URGENT_TAGS = frozenset({"money", "outage", *RISKS})
UNSURE = 0.75  # P(complaint) below this is not enough on its own against warm words
# A post with one of these risks is a complaint, however politely it is put.
COMPLAINT_RISKS = frozenset({"legal", "account_compromise", "self_harm"})


def _words(*parts: str) -> re.Pattern[str]:
    """Whole words (or phrases) of a table, in lower-cased text."""
    return re.compile(rf"(?<![\w'])(?:{'|'.join(parts)})(?![\w'])")


_TABLES: dict[str, re.Pattern[str]] = {
    "strong": _words(*W.COMPLAINT_STRONG_WORDS, *W.COMPLAINT_PHRASES),
    "weak": _words(*W.COMPLAINT_WEAK_WORDS),
    "praise": _words(*W.PRAISE_WORDS, *W.PRAISE_PHRASES),
    "feedback": _words(*W.FEEDBACK_WORDS, *W.FEEDBACK_PHRASES),
    "spam": _words(*W.SPAM_WORDS, *W.SPAM_PHRASES),
    "money": _words(W.RISK_WORDS["money"], W.RISK_PHRASES["money"]),
    "outage": _words(W.RISK_WORDS["outage"], W.RISK_PHRASES["outage"]),
}
_TOPICS: dict[str, re.Pattern[str]] = {
    topic: _words(words, *([W.TOPIC_PHRASES[topic]] if topic in W.TOPIC_PHRASES else []))
    for topic, words in W.TOPIC_WORDS.items()
}
_SAD = re.compile(W.SAD)
_CJK_COMPLAINT = re.compile(W.CJK_COMPLAINT)
_HAPPY = re.compile(W.PRAISE_EMOJI)
_QUESTION_START = re.compile(rf"\s*(?:{W.QUESTION_START})\b")
_TOKEN = re.compile(r"\w+(?:'\w+)*")
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|nobody|why|\w+n't|\w+nt)\b")
_STOPWORDS = {lang: frozenset(words.split()) for lang, words in W.STOPWORDS.items()}
_ENGLISH = _STOPWORDS["en"] | frozenset(W.ENGLISH_COMMON.split())


@dataclass(frozen=True)
class _Reading:
    """What the word tables found in a post's lower-cased text."""

    text: str
    counts: dict[str, int]
    tokens: list[str]

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)


def _read(text: str) -> _Reading:
    counts = {key: len(pattern.findall(text)) for key, pattern in _TABLES.items()}
    counts["sad"] = len(_SAD.findall(text))
    counts["strong"] += len(_CJK_COMPLAINT.findall(text))
    counts["praise"] += len(_HAPPY.findall(text))
    return _Reading(text, counts, _TOKEN.findall(text))


def detect_language(text: str) -> str:
    """ISO 639-1 code by counting stopwords; "und" when no language clearly leads."""
    return _language(_TOKEN.findall(_lower(text[:2000])))


def _language(tokens: list[str]) -> str:
    scores = {lang: sum(t in words for t in tokens) for lang, words in _STOPWORDS.items()}
    best = max(scores.values())
    leaders = [lang for lang, score in scores.items() if score == best]
    if best >= 2 and len(leaders) == 1:
        return leaders[0]
    # Short English posts have few stopwords; mostly common English words is enough.
    english = sum(t in _ENGLISH for t in tokens)
    if english >= 2 and 3 * english >= len(tokens) and scores["en"] == best:
        return "en"
    return "und"


def detect_topic(text: str) -> str:
    """The links.yaml topic with most keyword hits; ties go to the earlier (more urgent)."""
    text = _lower(text)
    best, hits = "general", 0
    for topic, pattern in _TOPICS.items():
        found = len(pattern.findall(text))
        if found > hits:
            best, hits = topic, found
    return best


def _topic(plain: str, context: tuple[str, ...]) -> str:
    """The post's topic; a reply in a thread that names none ("still nothing") takes its
    parent's."""
    topic = detect_topic(plain)
    if topic == "general" and context:
        return detect_topic(without_handles(without_urls(context[-1])))
    return topic


def _lower(text: str) -> str:
    return text.lower().replace("’", "'")


def _shouting(text: str) -> bool:
    """Over 70% capitals among at least 12 letters."""
    upper, letters = count_letters(text)
    return letters >= 12 and upper > 0.7 * letters


def _is_spam(reading: _Reading, raw: str) -> bool:
    """Spam words or phrases, or three links. (A run of hashtags is no sign: angry
    customers and happy travellers tag too, "#Again #nothing #bs #no #answers".)"""
    return bool(reading["spam"]) or len(url_spans(raw)) >= 3


def _table_intent(reading: _Reading, sentiment: float) -> Intent:
    """Word-table intent, for languages the model was not trained on."""
    cues = 2 * (reading["strong"] + reading["sad"]) + reading["weak"]
    complaint = cues + (cues > 0 and sentiment <= NEGATIVE_SENTIMENT)
    praise = reading["praise"]
    if sentiment <= -0.7 or (complaint >= 2 and complaint > praise):
        return Intent.COMPLAINT
    if reading["feedback"]:
        return Intent.FEEDBACK
    asks = _QUESTION_START.match(reading.text) is not None
    if complaint and not praise and not asks:
        return Intent.COMPLAINT
    if asks or "?" in reading.text:
        return Intent.QUESTION
    if praise or sentiment >= POSITIVE_SENTIMENT:
        return Intent.PRAISE
    return Intent.COMPLAINT if complaint else Intent.FEEDBACK


def _unsure_complaint(complaint: float, reading: _Reading, sentiment: float) -> bool:
    """A narrow complaint call with nothing in the post that complains (no complaint
    word, no negation) is left to the kind head when the post is warm ("faster than
    anyone else this year. Amazing") or opens by asking ("how do I change the address
    on an order?"). Sarcasm keeps its "oh wait, you don't" or its "why" and stays a
    complaint."""
    if complaint >= UNSURE or reading["strong"] or reading["sad"]:
        return False
    if _NEGATION.search(reading.text):
        return False
    warm = sentiment >= 0 and reading["praise"] > 0 and "?" not in reading.text
    asks = _QUESTION_START.match(reading.text) is not None
    return warm or asks


def _sarcastic(reading: _Reading, sentiment: float) -> bool:
    """Praise words around a complaint: "great job losing my bag again 🙄"."""
    return bool(reading["sad"] or reading["strong"] or sentiment <= NEGATIVE_SENTIMENT)


def _model_probabilities(plain: str) -> dict[str, float]:
    from bot.core.intent import shipped_model  # read on first use, not at import

    return shipped_model().probabilities(plain)


def _model_reads(language: str, plain: str) -> bool:
    """The model learnt English: it reads English posts, and short ones in Latin letters
    too few words to tell ("thx!!", "still down")."""
    return language == "en" or (language == "und" and plain.isascii())


def _intent(
    reading: _Reading,
    raw: str,
    sentiment: float,
    language: str,
    risks: tuple[str, ...],
    model: Callable[[str], dict[str, float]],
) -> tuple[Intent, tuple[str, ...]]:
    """The model reads the post as it was trained: as written, handles and links too."""
    if not _model_reads(language, reading.text):
        return _table_intent(reading, sentiment), ()
    probabilities = model(raw)
    threshold = 0.5
    if _unsure_complaint(probabilities["complaint"], reading, sentiment):
        threshold = 1.0  # warm words and no complaint cue: the kind head decides
    intent = Intent(decide(probabilities, threshold))
    if intent is Intent.PRAISE and _sarcastic(reading, sentiment):
        return Intent.COMPLAINT, ("sarcasm",)
    if intent is not Intent.COMPLAINT and COMPLAINT_RISKS & set(risks):
        return Intent.COMPLAINT, ()
    return intent, ()


def _tags(mention: Mention, reading: _Reading, sentiment: float) -> list[str]:
    angry = sentiment <= -0.6 or _shouting(mention.text[:2000]) or "!!!" in mention.text
    tags = ["angry"] if angry and sentiment < 0 else []
    tags += [key for key in ("money", "outage") if reading[key]]
    if mention.in_reply_to or mention.context:
        tags.append("thread")
    if not mention.summoned:
        tags.append("listening")
    if len(mention.text) > LONG_POST:
        tags.append("long")
    return tags


def _priority(intent: Intent, sentiment: float, tags: list[str]) -> Priority:
    if intent is Intent.SPAM:
        return Priority.LOW
    if URGENT_TAGS & set(tags):
        return Priority.HIGH
    if intent is Intent.PRAISE:
        return Priority.LOW
    if intent is Intent.COMPLAINT and (sentiment <= -0.5 or "angry" in tags):
        return Priority.HIGH
    return Priority.NORMAL


def triage(
    mention: Mention, model: Callable[[str], dict[str, float]] = _model_probabilities
) -> Triage:
    """Sort one mention. Never raises on odd text; the loop depends on that.

    `model` gives the intent probabilities of an English post (the shipped model unless a
    test passes another)."""
    raw = (mention.text or "")[:MAX_CHARS]
    plain = without_handles(without_urls(raw))
    reading = _read(_lower(plain))
    sentiment = compound(plain[:SENTIMENT_CHARS])
    language = _language(reading.tokens[:400])
    if _is_spam(reading, raw):
        return Triage(Intent.SPAM, round(sentiment, 4), Priority.LOW, language, "general")
    risks = detect_risks(mention, reading.text)
    intent, extra = _intent(reading, raw, sentiment, language, risks, model)
    tags = [*_tags(mention, reading, sentiment), *extra, *risks]
    return Triage(
        intent=intent,
        sentiment=round(sentiment, 4),
        priority=_priority(intent, sentiment, tags),
        language=language,
        topic=_topic(plain, mention.context),
        tags=tuple(tags),
    )
