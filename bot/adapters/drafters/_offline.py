"""The offline drafter: rule-following replies from phrase templates, no model, no network.

It is the fallback when the model drafter fails and the drafter of the demo. A reply is
assembled from pieces (greeting, thanks, empathy, next step, closer, link) chosen by
intent, topic and language from `prompts/offline.yaml`. Which variant of each piece is
used comes from a hash of the draft id: replies vary from case to case, yet the same
draft id always gives the same text. The customer's own words are never copied into a
reply, so nothing they write (markup, links, instructions) can reach the network.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.core.models import Draft, Intent, Network
from bot.core.ports import Clock, DraftRequest
from bot.core.rules import LinkBook, measure

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[3] / "prompts" / "offline.yaml"
INTENTS = ("complaint", "question", "praise", "feedback")
PLACEHOLDERS = frozenset({"name", "handle", "issue"})
# Replies sharing this share of words with a recent reply read like a copy.
MAX_OVERLAP = 0.75
MAX_ATTEMPTS = 12
CRISIS_TOPIC = "outage"

_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_])){1,19}")
_HANDLE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,99}")
_WORD = re.compile(r"\w+")
# First words of display names that are not first names.
_NOT_NAMES = frozenset(
    (  # noqa: SIM905 - a word list reads better as one string
        "the mr mrs ms mx dr sir miss official team shop store news real just not no its "
        "hi hello hey my our your mister madam lady lord king queen prof followers free best "
        "deals crypto promo"
    ).split()
)


def load_offline_templates(path: Path = DEFAULT_TEMPLATES) -> dict[str, Any]:
    """Read and validate a phrase-template file (see prompts/offline.yaml)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read offline templates {path}: {exc}") from exc
    validate_templates(data)
    return data  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _default_templates() -> dict[str, Any]:
    return load_offline_templates(DEFAULT_TEMPLATES)


def validate_templates(data: Any) -> None:
    """Fail early, with the path of the bad entry, rather than on some customer's reply."""
    if not isinstance(data, Mapping) or not isinstance(data.get("languages"), Mapping):
        raise ValueError("offline templates need a 'languages' mapping")
    if "en" not in data["languages"]:
        raise ValueError("offline templates need an 'en' language")
    for code, lang in data["languages"].items():
        _require_lists(lang, f"{code}.greeting", ("name", "handle", "anonymous"))
        for intent in INTENTS:
            _require_lists(lang, f"{code}.intents.{intent}", ("thanks",))
            _require_lists(lang, f"{code}.next_steps.{intent}", ("general",))
        _require_lists(lang, f"{code}.crisis", ("thanks", "holding", "next_step"))
        _require_text(lang, f"{code}.crisis.issues.general")
        for key in ("thanks", "next_step", "crisis"):
            _require_text(lang, f"{code}.short.{key}")
    _check_placeholders(data, "templates")


def _lookup(root: Any, dotted: str) -> Any:
    node = root
    for part in dotted.split(".")[1:]:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _require_lists(lang: Any, where: str, keys: Sequence[str]) -> None:
    section = _lookup(lang, where)
    for key in keys:
        value = section.get(key) if isinstance(section, Mapping) else None
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"offline templates: {where}.{key} must be a non-empty list of text")


def _require_text(lang: Any, where: str) -> None:
    value = _lookup(lang, where)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"offline templates: {where} must be text")


def _check_placeholders(node: Any, where: str) -> None:
    if isinstance(node, str):
        names = {field for _, field, _, _ in string.Formatter().parse(node) if field is not None}
        if names - PLACEHOLDERS:
            raise ValueError(
                f"offline templates: unknown placeholder {names - PLACEHOLDERS} in {where}"
            )
    elif isinstance(node, Mapping):
        for key, value in node.items():
            _check_placeholders(value, f"{where}.{key}")
    elif isinstance(node, list):
        for value in node:
            _check_placeholders(value, where)


def first_name(author_name: str) -> str | None:
    """The first word of a display name when it looks like a person's first name."""
    words = author_name.split(maxsplit=1)
    if not words:
        return None
    word = words[0].rstrip(",.!")
    if not _NAME_WORD.fullmatch(word) or word.lower() in _NOT_NAMES:
        return None
    if word[0].islower() or (len(word) > 1 and word.isupper()):
        return None  # "maria" or "ANGRY": probably not a name as the person would write it
    return word


@dataclass(frozen=True)
class _Pieces:
    greeting: str = ""
    thanks: str = ""
    empathy: str = ""
    next_step: str = ""
    closer: str = ""
    link_lead: str = ""
    link: str = ""

    def render(self) -> str:
        tail = f"{self.link_lead} {self.link}" if self.link and self.link_lead else self.link
        thanks = self.thanks
        if self.greeting.endswith(",") and thanks[:1].isupper():
            thanks = thanks[0].lower() + thanks[1:]  # "Hi Maria, thanks ..."
        parts = (self.greeting, thanks, self.empathy, self.next_step, self.closer, tail)
        return " ".join(part for part in parts if part)


# Optional pieces, dropped in this order when a reply is too long.
_DROP_ORDER = ("closer", "empathy", "link_lead", "greeting")
# In a crisis the holding statement (kept in `empathy`) is the message: drop it last.
_CRISIS_DROP_ORDER = ("closer", "next_step", "greeting", "link_lead", "empathy")
_SLOTS = {f.name: index for index, f in enumerate(fields(_Pieces))}


class _Picker:
    """Chooses one variant per slot from a hash of the draft id (and an attempt number)."""

    def __init__(self, draft_id: str, attempt: int) -> None:
        self._digest = hashlib.blake2b(f"{draft_id}#{attempt}".encode(), digest_size=16).digest()

    def pick(self, options: Sequence[str] | None, slot: str) -> str:
        if not options:
            return ""
        index = _SLOTS[slot] * 2
        return options[int.from_bytes(self._digest[index : index + 2], "big") % len(options)]


@lru_cache(maxsize=256)
def _words(text: str) -> frozenset[str]:
    """Lower-cased word set; cached because the same recent replies are compared often."""
    return frozenset(_WORD.findall(text.lower()))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class OfflineDrafter:
    """A Drafter (bot.core.ports) that needs nothing but its templates and the help links."""

    label = "offline"

    def __init__(
        self, links: LinkBook, clock: Clock, templates: Mapping[str, Any] | None = None
    ) -> None:
        data = _default_templates() if templates is None else templates
        if templates is not None:
            validate_templates(data)
        self.links = links
        self.clock = clock
        self._languages: Mapping[str, Any] = data["languages"]
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        self.prompt_version = "offline-" + hashlib.sha256(canonical.encode()).hexdigest()[:10]

    def draft(self, request: DraftRequest) -> Draft:
        return Draft(
            id=request.draft_id,
            case_id=request.case_id,
            text=self.compose(request),
            drafter=self.label,
            created_at=self.clock.now(),
            # A crisis reply points to the status page, so it is checked as an outage reply.
            topic=CRISIS_TOPIC if request.crisis else request.triage.topic,
            prompt_version=self.prompt_version,
        )

    def compose(self, request: DraftRequest) -> str:
        """The reply text: the first variant that is not too close to a recent reply."""
        previous = [_words(reply) for reply in request.previous_replies]
        best, best_overlap = "", 2.0
        for attempt in range(MAX_ATTEMPTS):
            text = self._fit(self._pieces(request, _Picker(request.draft_id, attempt)), request)
            if not previous:  # nothing to resemble: the first variant is the reply
                return text
            words = _words(text)
            overlap = max((_overlap(words, p) for p in previous), default=0.0)
            if text in request.previous_replies:
                overlap = 1.0
            if overlap < MAX_OVERLAP:
                return text
            if overlap < best_overlap:
                best, best_overlap = text, overlap
        return best

    def _language(self, code: str) -> Mapping[str, Any]:
        return self._languages.get(code) or self._languages["en"]  # type: ignore[no-any-return]

    def _pieces(self, request: DraftRequest, picker: _Picker) -> _Pieces:
        lang = self._language(request.triage.language)
        topic = request.triage.topic
        greeting = self._greeting(lang["greeting"], request, picker)
        if request.crisis:
            return self._crisis_pieces(lang, topic, greeting, picker)
        intent = _intent_key(request.triage.intent)
        phrases = lang["intents"][intent]
        steps = lang["next_steps"][intent]
        return _Pieces(
            greeting=greeting,
            thanks=picker.pick(phrases["thanks"], "thanks"),
            empathy=picker.pick(phrases.get("empathy"), "empathy"),
            next_step=picker.pick(steps.get(topic) or steps["general"], "next_step"),
            closer=picker.pick(phrases.get("closer"), "closer"),
            link_lead=picker.pick(phrases.get("link_lead") or lang.get("link_lead"), "link_lead"),
            link=self.links.url_for(topic) or "",
        )

    def _crisis_pieces(
        self, lang: Mapping[str, Any], topic: str, greeting: str, picker: _Picker
    ) -> _Pieces:
        crisis = lang["crisis"]
        issue = crisis["issues"].get(topic) or crisis["issues"]["general"]
        return _Pieces(
            greeting=greeting,
            thanks=picker.pick(crisis["thanks"], "thanks"),
            empathy=picker.pick(crisis["holding"], "empathy").format(issue=issue),
            next_step=picker.pick(crisis["next_step"], "next_step"),
            link_lead=picker.pick(crisis.get("link_lead"), "link_lead"),
            link=self.links.url_for(CRISIS_TOPIC) or "",
        )

    @staticmethod
    def _greeting(options: Mapping[str, Any], request: DraftRequest, picker: _Picker) -> str:
        name = first_name(request.mention.author_name)
        if name:
            return picker.pick(options["name"], "greeting").format(name=name)
        handle = request.mention.author_handle.lstrip("@")
        if _HANDLE.fullmatch(handle):
            return picker.pick(options["handle"], "greeting").format(handle=handle)
        return picker.pick(options["anonymous"], "greeting")

    def _fit(self, pieces: _Pieces, request: DraftRequest) -> str:
        """Drop optional pieces until the reply fits; the link is never cut."""
        network: Network = request.mention.network
        text = pieces.render()
        if measure(text, network) <= request.max_length:
            return text
        for name in _CRISIS_DROP_ORDER if request.crisis else _DROP_ORDER:
            pieces = replace(pieces, **{name: ""})
            text = pieces.render()
            if measure(text, network) <= request.max_length:
                return text
        short = self._language(request.triage.language)["short"]
        first = short["crisis"] if request.crisis else f"{short['thanks']} {short['next_step']}"
        for thanks in (first, short["thanks"]):
            text = _Pieces(thanks=thanks, link=pieces.link).render()
            if measure(text, network) <= request.max_length:
                return text
        return text  # even "Thanks!" and the link do not fit: the link is never cut


def _intent_key(intent: Intent) -> str:
    """Spam never reaches a drafter; if it does, it gets a neutral reply to a question."""
    return intent.value if intent.value in INTENTS else "question"
