"""Triage: intent, sentiment, priority, language and topic of a mention.

Deterministic word and phrase rules (bot/core/triage_words.py) plus VADER's compound
sentiment (bot/core/sentiment.py). The rules are deliberately simple so a reviewer can
see why a case was sorted the way it was; tags carry the reasons ("angry", "money",
"outage" ...) onto the card.

Speed matters (every mention of every network passes here): the text is split into
words once, and each distinct word's verdict (complaint cue? topic? language?) is worked
out once and cached, so a post costs a few dictionary look-ups per word plus one search
per phrase table.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass
from itertools import chain

from bot.core import triage_words as W
from bot.core.models import (
    NEGATIVE_SENTIMENT,
    POSITIVE_SENTIMENT,
    Intent,
    Mention,
    Priority,
    Triage,
)
from bot.core.sentiment import compound
from bot.core.text import count_letters, url_spans, without_handles, without_urls

SENTIMENT_CHARS = 1_000  # the opening of a long post says enough about its mood
LONG_POST = 280
MAX_CHARS = 10_000  # beyond this a post is junk or an attack; triage reads the start
TOKEN_CACHE = 50_000  # distinct words whose verdicts are kept
# The longest number that is a cue ("502", "503", "10"): a longer one (an order number,
# in half of all complaints) counts towards nothing, without trying every table on it.
LONGEST_NUMBER_CUE = 3


def _alternatives(parts: tuple[str, ...] | str) -> str:
    return "|".join(parts) if isinstance(parts, tuple) else parts


def _whole(parts: tuple[str, ...] | str) -> re.Pattern[str]:
    return re.compile(f"(?:{_alternatives(parts)})")


# Every phrase starts with a word character: "(?=\w)" changes no match, and spares
# trying each alternative at the end of every word. `starts` (the letters a table's
# phrases can begin with, see triage_words) narrows it: other words are passed over.
def _phrases(parts: tuple[str, ...] | str, starts: str = "") -> re.Pattern[str]:
    return re.compile(rf"{_lead(starts)}\b(?=\w)(?:{_alternatives(parts)})(?!\w)")


def _named(prefix: str, table: dict[str, str], starts: str = "") -> re.Pattern[str]:
    """One pattern for a whole table; the group name says which entry matched."""
    groups = "|".join(f"(?P<{prefix}_{k}>{v})" for k, v in table.items())
    return re.compile(rf"{_lead(starts)}\b(?=\w)(?:{groups})(?!\w)")


def _lead(starts: str) -> str:
    return f"(?=[{starts}])" if starts else ""


_WORD_TABLES: dict[str, re.Pattern[str]] = {
    "strong": _whole(W.COMPLAINT_STRONG_WORDS),
    "weak": _whole(W.COMPLAINT_WEAK_WORDS),
    "praise": _whole(W.PRAISE_WORDS),
    "feedback": _whole(W.FEEDBACK_WORDS),
    "spam": _whole(W.SPAM_WORDS),
    **{f"risk_{k}": _whole(v) for k, v in W.RISK_WORDS.items()},
    **{f"topic_{k}": _whole(v) for k, v in W.TOPIC_WORDS.items()},
}


@dataclass(frozen=True)
class _PhraseTable:
    """Phrases counted under `key`, searched only when a post has one of the anchors."""

    key: str
    anchors: re.Pattern[str]
    pattern: re.Pattern[str]
    named: bool = False  # group names are the keys ("risk_money"), as in RISK_PHRASES


_PHRASE_TABLES = (
    _PhraseTable(
        "complaint",
        _whole(W.COMPLAINT_ANCHORS),
        _phrases(W.COMPLAINT_PHRASES, W.COMPLAINT_STARTS),
    ),
    _PhraseTable("praise", _whole(W.PRAISE_ANCHORS), _phrases(W.PRAISE_PHRASES, W.PRAISE_STARTS)),
    _PhraseTable(
        "feedback", _whole(W.FEEDBACK_ANCHORS), _phrases(W.FEEDBACK_PHRASES, W.FEEDBACK_STARTS)
    ),
    _PhraseTable("spam", _whole(W.SPAM_ANCHORS), _phrases(W.SPAM_PHRASES, W.SPAM_STARTS)),
    _PhraseTable(
        "risk", _whole(W.RISK_ANCHORS), _named("risk", W.RISK_PHRASES, W.RISK_STARTS), named=True
    ),
    _PhraseTable("topic", _whole(W.TOPIC_ANCHORS), _named("topic", W.TOPIC_PHRASES), named=True),
)
_SAD, _HAPPY = re.compile(W.SAD), re.compile(W.PRAISE_EMOJI)
_QUESTION_START = re.compile(rf"\s*(?:{W.QUESTION_START})\b")
_TOKEN = re.compile(r"\w+(?:'\w+)*")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_ASCII_UPPER = string.ascii_uppercase.encode()
_LANGUAGES = tuple(W.STOPWORDS)
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang in _LANGUAGES:
    for _stopword in W.STOPWORDS[_lang].split():
        _LANGUAGES_OF[_stopword] = (*_LANGUAGES_OF.get(_stopword, ()), _lang)
_ENGLISH = frozenset(W.STOPWORDS["en"].split()) | frozenset(W.ENGLISH_COMMON.split())


class _Verdicts(dict[str, tuple[str, ...]]):
    """Word -> the keys it counts towards, worked out on first sight (`__missing__`), so a
    post's look-ups run as one C-level `map` over its words."""

    def __missing__(self, token: str) -> tuple[str, ...]:
        if token.isdigit():  # order numbers: never seen again, so never cached
            return () if len(token) > LONGEST_NUMBER_CUE else _word(token)
        found = _word(token)
        if len(self) < TOKEN_CACHE:
            self[token] = found
        return found


def _word(token: str) -> tuple[str, ...]:
    """The keys one word counts towards ("strong", "topic_refund", "en", "anchor_2" ...)."""
    if not _ANY_CUE.fullmatch(token):  # most words: one test instead of one per table
        return (*_LANGUAGES_OF.get(token, ()), *(("english",) if token in _ENGLISH else ()))
    keys = [key for key, pattern in _WORD_TABLES.items() if pattern.fullmatch(token)]
    keys += _LANGUAGES_OF.get(token, ())
    keys += [f"anchor_{i}" for i, t in enumerate(_PHRASE_TABLES) if t.anchors.fullmatch(token)]
    if token in _ENGLISH:
        keys.append("english")
    return tuple(keys)


_words = _Verdicts()
_ANCHOR_KEYS = tuple(f"anchor_{i}" for i in range(len(_PHRASE_TABLES)))
_TOPIC_KEYS = tuple((f"topic_{topic}", topic) for topic in W.TOPIC_WORDS)
_RISK_KEYS = tuple((f"risk_{risk}", risk) for risk in W.RISK_WORDS)
_ANY_CUE = re.compile(
    "|".join(
        [p.pattern for p in _WORD_TABLES.values()] + [t.anchors.pattern for t in _PHRASE_TABLES]
    )
)


def _read(text: str) -> Counter[str]:
    """Count every cue in lower-cased text: words (cached verdicts), then phrases.
    (Readers use `counts.get(key, 0)`: a missing key costs a Python call with `[]`.)

    Besides the keys of `_word`, "words" counts the words and "complaint"/"praise"/...
    the phrases found; RISK and TOPIC phrases count under their own keys.
    """
    tokens = _TOKEN.findall(text)
    counts = Counter(chain.from_iterable(map(_words.__getitem__, tokens)))
    counts["words"] = len(tokens)
    for anchor, table in zip(_ANCHOR_KEYS, _PHRASE_TABLES, strict=True):
        if anchor in counts:
            if table.named:
                counts.update(m.lastgroup or "" for m in table.pattern.finditer(text))
            else:
                counts[table.key] += len(table.pattern.findall(text))
    if "(" in text or not text.isascii():
        counts["sad"] += len(_SAD.findall(text))
        counts["praise"] += len(_HAPPY.findall(text))
    return counts


def _language(counts: Counter[str]) -> str:
    scores = [counts.get(lang, 0) for lang in _LANGUAGES]
    best = max(scores)
    if best >= 2 and scores.count(best) == 1:
        return _LANGUAGES[scores.index(best)]
    # Short English posts have few stopwords; mostly common English words is enough.
    english = counts.get("english", 0)
    if english >= 2 and 3 * english >= counts["words"] and scores[0] == best:
        return "en"
    return "und"


def _topic(counts: Counter[str]) -> str:
    """The links.yaml topic with most hits; of equals the first (the more urgent)."""
    best, hits = "general", 0
    for key, topic in _TOPIC_KEYS:
        found = counts.get(key, 0)
        if found > hits:
            best, hits = topic, found
    return best


def detect_language(text: str) -> str:
    """ISO 639-1 code by counting stopwords; "und" when no language clearly leads."""
    return _language(_read(_lower(text[:2000])))


def detect_topic(text: str) -> str:
    """The links.yaml topic with most keyword hits; ties go to the earlier (more urgent)."""
    return _topic(_read(_lower(text)))


def _lower(text: str) -> str:
    return text.lower().replace("’", "'")


def _shouting(text: str) -> bool:
    """Over 70% capitals among at least 12 letters."""
    raw = text.encode(errors="replace")
    # Upper bound on capitals: ASCII ones plus every byte beyond the first of a non-ASCII
    # character. Under 9 capitals cannot be 70% of 12 letters: most posts stop here.
    if len(raw) - len(raw.translate(None, _ASCII_UPPER)) + len(raw) - len(text) < 9:
        return False
    upper, letters = count_letters(text)
    return letters >= 12 and upper > 0.7 * letters


def _is_spam(counts: Counter[str], raw: str) -> bool:
    if counts.get("spam"):
        return True
    return len(url_spans(raw)) >= 3 or (raw.count("#") >= 5 and len(_HASHTAG.findall(raw)) >= 5)


def _intent(counts: Counter[str], text: str, sentiment: float) -> Intent:
    """Strong complaint cues win over thanks; a question or suggestion wins over weak ones."""
    get = counts.get
    cues = 2 * (get("strong", 0) + get("complaint", 0) + get("sad", 0)) + get("weak", 0)
    complaint = cues + (cues > 0 and sentiment <= NEGATIVE_SENTIMENT)
    praise = get("praise", 0)
    if sentiment <= -0.7 or (complaint >= 2 and complaint > praise):
        return Intent.COMPLAINT
    if get("feedback"):
        return Intent.FEEDBACK
    asks = _QUESTION_START.match(text) is not None
    if complaint and not praise and not asks:
        return Intent.COMPLAINT
    if asks or "?" in text:
        return Intent.QUESTION
    if praise or sentiment >= POSITIVE_SENTIMENT:
        return Intent.PRAISE
    return Intent.COMPLAINT if complaint else Intent.FEEDBACK


def _tags(mention: Mention, sentiment: float, risks: list[str]) -> tuple[str, ...]:
    angry = sentiment <= -0.6 or _shouting(mention.text[:2000]) or "!!!" in mention.text
    tags = ["angry"] if angry and sentiment < 0 else []
    tags += risks
    if mention.in_reply_to or mention.context:
        tags.append("thread")
    if not mention.summoned:
        tags.append("listening")
    if len(mention.text) > LONG_POST:
        tags.append("long")
    return tuple(tags)


def _priority(intent: Intent, sentiment: float, tags: tuple[str, ...]) -> Priority:
    if intent in (Intent.SPAM, Intent.PRAISE):
        return Priority.LOW
    if {"safety", "legal", "money", "outage"} & set(tags):
        return Priority.HIGH
    if intent is Intent.COMPLAINT and (sentiment <= -0.5 or "angry" in tags):
        return Priority.HIGH
    return Priority.NORMAL


def triage(mention: Mention) -> Triage:
    """Sort one mention. Never raises on odd text; the loop depends on that."""
    raw = (mention.text or "")[:MAX_CHARS]
    plain = without_handles(without_urls(raw))
    text = _lower(plain)
    counts = _read(text)
    sentiment = compound(plain[:SENTIMENT_CHARS])
    intent = Intent.SPAM if _is_spam(counts, raw) else _intent(counts, text, sentiment)
    risks = [risk for key, risk in _RISK_KEYS if key in counts]
    tags = _tags(mention, sentiment, risks if intent is not Intent.SPAM else [])
    return Triage(
        intent=intent,
        sentiment=round(sentiment, 4),
        priority=_priority(intent, sentiment, tags),
        language=_language(counts),
        topic=_topic(counts),
        tags=tags,
    )
