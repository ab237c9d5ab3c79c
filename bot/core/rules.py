"""The five-rule linter (DESIGN §1) and network length limits.

`lint()` is deterministic and cheap: it runs on every draft and on every human edit.
Each rule returns one `RuleCheck` whose `why` is
written for the person reviewing the card, so it names what was found or what is missing.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from urllib.parse import urlsplit

import regex

from bot.core import rule_phrases as P
from bot.core.models import LintResult, Network, RuleCheck
from bot.core.text import (
    count_letters,
    grapheme_length,
    threads_length,
    url_key,
    url_spans,
    without_handles,
    without_urls,
    x_weighted_length,
)
from bot.core.tone import check_tone

LIMITS: dict[Network, int] = {
    Network.X: 280,
    Network.BLUESKY: 300,
    Network.MASTODON: 500,
    Network.THREADS: 500,
    Network.FACEBOOK: 8000,  # a comment
    Network.INSTAGRAM: 2200,  # a comment, as long as a caption
}
RULES: tuple[str, ...] = ("thanks", "solution", "not_defensive", "human", "link", "length")

URL_WEIGHT = 23  # X and Mastodon count every link as 23 characters
COPY_SIMILARITY = 0.9  # a reply this close to a recent one reads like a form letter


@dataclass(frozen=True)
class LinkBook:
    """Topic -> help URL, from prompts/links.yaml: the only links a reply may carry."""

    topics: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, mapping: Mapping[object, object]) -> LinkBook:
        """A LinkBook from a plain mapping, refusing anything but topic -> http(s) URL."""
        topics: dict[str, str] = {}
        for topic, url in mapping.items():
            if not isinstance(topic, str) or not topic.strip():
                raise ValueError(f"topic must be a non-empty string, got {topic!r}")
            if not isinstance(url, str):
                raise ValueError(f"URL for topic {topic!r} must be a string, got {url!r}")
            parts = urlsplit(url.strip())
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in url.strip():
                raise ValueError(f"URL for topic {topic!r} is not an http(s) URL: {url!r}")
            topics[topic.strip()] = url.strip()
        return cls(MappingProxyType(topics))

    def url_for(self, topic: str) -> str | None:
        """The topic's help URL, else the general one, else None."""
        return self.topics.get(topic) or self.topics.get("general")

    def allows(self, url: str) -> bool:
        """True for an allowlisted URL (a trailing slash or punctuation does not matter)."""
        return url_key(url) in self._allowed

    @cached_property
    def _allowed(self) -> frozenset[str]:
        return frozenset(url_key(u) for u in self.topics.values())


# --- length ---------------------------------------------------------------------------


def measure(text: str, network: Network) -> int:
    """Length as the network counts it: X weighted with URLs 23; Bluesky graphemes;
    Mastodon graphemes with URLs 23; Threads characters with each emoji as its UTF-8
    bytes; Facebook and Instagram comments in characters (code points)."""
    if network is Network.X:
        return x_weighted_length(text, URL_WEIGHT)
    if network is Network.BLUESKY:
        return grapheme_length(text)
    if network is Network.THREADS:
        return threads_length(text)
    if network in (Network.FACEBOOK, Network.INSTAGRAM):
        return len(text)  # code points: never fewer than the characters a person sees
    # Mastodon counts graphemes with each URL as 23. It also shortens @user@domain to
    # @user; not doing that over-counts, which is the safe side.
    return grapheme_length(text, url_weight=URL_WEIGHT)


# --- phrase rules ---------------------------------------------------------------------


_ACRONYM = regex.compile(r"(?<!\p{L})\p{Lu}{2,5}(?!\p{L})")
_NORMALISE = re.compile(r"[\W_]+")
_LINK_TAIL = regex.compile(
    r"[\s\p{P}\p{S}\p{Cf}\p{Mn}\p{Sk}]*"
    r"(?:(?<![\w/])[\^~*\-–—]\s*\p{L}{1,12}\.?[\s\p{P}\p{S}\p{Cf}\p{Mn}]*)?"
)


_NO_THANKS = RuleCheck("thanks", False, "no thanks to the customer")
_ASKS = RuleCheck("solution", True, "asks the customer a question")
_POINTS_TO_HELP = RuleCheck("solution", True, "points to help by link")
_NO_NEXT_STEP = RuleCheck("solution", False, "no next step, question or link for the customer")
_NOT_DEFENSIVE = RuleCheck("not_defensive", True, "no blame, lecture or sarcasm")
_SHOUTING = RuleCheck("human", False, "mostly capital letters, reads as shouting")
_COPY = RuleCheck("human", False, "near-copy of a recent reply")
_HUMAN = RuleCheck("human", True, "no boilerplate, shouting or copy")
_REPEATS = RuleCheck("human", False, "says the same thing twice, like a form letter")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?]+")
_CLAUSE_ENDS = ".!?,;\n"
_FUNCTION_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as one string
        "with this that your have from will what when there their they them then than been "
        "were just also into about would could should these those here where which while "
        "some more very much over only other such "
        "nous vous avec pour dans notre votre nuestra nuestro para este esta como pero "
        "nicht eine einen dich dein sind wird werden auch oder "
        "você nosso nossa está vamos questo della nostro nostra sono anche voor onze jouw "
        "deze niet maar"
    ).split()
)


def _quote(match: re.Match[str], original: str) -> str:
    """The matched phrase as the reply wrote it (matching ran on the lower-cased text)."""
    found = match.group()
    if len(original) == len(match.string):  # lower() kept every offset in place
        found = original[match.start() : match.end()]
    return f"“{' '.join(found.split())}”"


def _check_thanks(words: str, plain: str) -> RuleCheck:
    found = P.THANKS.search(words)
    if found:
        return RuleCheck("thanks", True, _quote(found, plain))
    return _NO_THANKS


def _check_solution(words: str, plain: str, has_link: bool) -> RuleCheck:
    """A next step: something to do, something we did or will do, or a question for the
    customer. A step inside a defensive clause ("it's your responsibility to check
    the size chart") is not one."""
    for step in P.SOLUTION.finditer(words):
        if not P.DEFENSIVE.search(_clause_around(words, step.start())):
            return RuleCheck("solution", True, _quote(step, plain))
    if "?" in words:
        for question in P.QUESTION.finditer(words):
            if _asks_the_customer(question.group()):
                return _ASKS
    if has_link:
        return _POINTS_TO_HELP
    return _NO_NEXT_STEP


def _asks_the_customer(question: str) -> bool:
    """A question to the customer ("which device is it?", "has it worked before?"),
    not a rhetorical one ("why would that happen?") or a defensive one."""
    if P.DEFENSIVE.search(question):
        return False
    return bool(P.SECOND_PERSON.search(question)) or not question.lstrip(" ¿").startswith("why")


def _clause_around(words: str, at: int) -> str:
    """The clause (between punctuation marks) that holds position `at`."""
    start = max(words.rfind(end, 0, at) for end in _CLAUSE_ENDS) + 1
    ends = [i for i in (words.find(end, at) for end in _CLAUSE_ENDS) if i != -1]
    return words[start : min(ends, default=len(words))]


def _check_not_defensive(words: str, plain: str) -> RuleCheck:
    found = P.DEFENSIVE.search(words)
    if found:
        return RuleCheck("not_defensive", False, _quote(found, plain))
    return _NOT_DEFENSIVE


def _shouting(plain: str) -> bool:
    """Mostly upper-case letters (URLs and @handles aside); DM, FAQ, USPS are acronyms."""
    upper, letters = count_letters(plain)
    if letters >= 12 and upper > 0.7 * letters:
        return True
    acronym = sum(len(a) for a in _ACRONYM.findall(plain))
    rest = letters - acronym
    return rest >= 8 and (upper - acronym) > 0.5 * rest


def _word_set(text: str) -> frozenset[str]:
    """Casefolded words without URLs."""
    return frozenset(_NORMALISE.split(without_urls(text).casefold())) - {""}


def _copies(text: str, previous: Sequence[str]) -> bool:
    """Word-set Jaccard similarity >= COPY_SIMILARITY with any recent reply.

    Cheaper than difflib and just as telling here: a form letter differs from the last
    one by a name or an order number, i.e. one or two words in twenty.
    """
    mine = _word_set(text)
    if not mine:
        return False
    for other in previous:
        theirs = _word_set(other)
        union = len(mine | theirs)
        if union and len(mine & theirs) >= COPY_SIMILARITY * union:
            return True
    return False


def _check_human(
    text: str, plain: str, words: str, previous: Sequence[str], light_tone: bool = True
) -> RuleCheck:
    robotic = P.ROBOTIC.search(words)
    if robotic:
        return RuleCheck("human", False, f"boilerplate {_quote(robotic, plain)}")
    if not light_tone and (playful := check_tone(words, plain)) is not None:
        return playful
    if _shouting(without_handles(plain)):
        return _SHOUTING
    if _repeats_itself(words):
        return _REPEATS
    if previous and _copies(text, previous):
        return _COPY
    return _HUMAN


def _repeats_itself(words: str) -> bool:
    """A form letter says the same thing twice: a sentence repeated, a word of four or
    more letters (not a function word) used three times, or three repeated word pairs
    ("Thank you for your email. Thank you for your patience.")."""
    sentences = [" ".join(_WORD.findall(s)) for s in _SENTENCE_END.split(words)]
    sentences = [s for s in sentences if s]
    if len(sentences) != len(set(sentences)):
        return True
    tokens = _WORD.findall(words)
    long_words = Counter(t for t in tokens if len(t) >= 4 and t not in _FUNCTION_WORDS)
    if long_words and max(long_words.values()) >= 3:
        return True
    pairs = Counter(itertools.pairwise(tokens))
    return sum(n - 1 for n in pairs.values()) >= 3


def link_optional(x_link_policy: str) -> frozenset[Network]:
    """Networks whose replies pass the link rule without a link, by careops.toml's
    `[x] link_policy`: X under `never` and `budget`, since a reply may go out that way
    there (bot/core/link_policy.py); none under `always`. The running app and
    `careops lint` both ask this."""
    return frozenset({Network.X}) if x_link_policy in ("never", "budget") else frozenset()


def check_link(
    text: str, links: LinkBook, topic: str = "general", *, needs_link: bool = True
) -> RuleCheck:
    """The link rule: every link is one of links.yaml's, and the reply ends with one
    (unless `needs_link` is False: a thank-you needs none). Any allowlisted page passes;
    when the topic has a page of its own that fits better, the verdict says so as a hint.
    """
    spans = url_spans(text)
    for _, _, url in spans:
        if not links.allows(url):
            return RuleCheck("link", False, f"{url} is not in links.yaml")
    expected = links.url_for(topic)
    if not spans:
        if not needs_link or expected is None:
            return RuleCheck("link", True, "none needed")
        return RuleCheck("link", False, f"missing: end with {expected}")
    _, end, last = spans[-1]
    if _LINK_TAIL.fullmatch(text, end) is None:
        return RuleCheck("link", False, f"text after {last}: end with the link")
    if expected is not None and url_key(last) != url_key(expected):
        return RuleCheck(
            "link", True, f"ends with {last} (the {topic} page fits better: {expected})"
        )
    return RuleCheck("link", True, f"ends with {last}")


def _check_length(text: str, network: Network) -> RuleCheck:
    used, limit = measure(text, network), LIMITS[network]
    return RuleCheck("length", used <= limit, f"{used}/{limit} characters")


def lint(
    text: str,
    *,
    network: Network,
    links: LinkBook,
    topic: str = "general",
    previous_replies: Sequence[str] = (),
    customer_handle: str | None = None,
    needs_link: bool = True,
    light_tone: bool = True,
) -> LintResult:
    """One RuleCheck per rule, in RULES order.

    Phrase rules read the text without its URLs, lower-cased, so a link's path can
    neither thank nor blame. `customer_handle` is accepted for the guardrails' sake;
    which @-handles a reply may carry is checked there, not here. `light_tone` False
    (a complaint, a risk case, crisis mode: bot/core/tone.py) fails a playful reply.
    """
    spans = url_spans(text)
    plain = without_urls(text)
    words = plain.lower()
    return LintResult(
        (
            _check_thanks(words, plain),
            _check_solution(words, plain, bool(spans)),
            _check_not_defensive(words, plain),
            _check_human(text, plain, words, previous_replies, light_tone),
            check_link(text, links, topic, needs_link=needs_link),
            _check_length(text, network),
        )
    )
