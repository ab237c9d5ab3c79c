"""The offline drafter: short rule-following replies from phrase templates, no model.

It is the fallback when the model drafter fails and the drafter of the demo. A reply is
assembled from pieces (greeting, thanks, sorry, next step, link) chosen by intent, topic
and language from `prompts/offline.yaml`, and names the customer's problem with a short
clause from their post (or from the post it replies to) when one is safe to use
(`_issue.py`: plain words only, never a link, handle, tag, markup or instruction).
Which variant of each piece is used comes from a hash of the draft id and the post, so
two customers in a row get different words, yet the same draft is made again the same.
A post in a language the templates do not cover is handed to a person.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml

from bot.adapters.drafters._issue import issue_clause
from bot.core.drafting import AnswerByHand
from bot.core.models import Draft, Intent, Network
from bot.core.ports import Clock, DraftRequest
from bot.core.rules import LinkBook, measure

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[3] / "prompts" / "offline.yaml"
INTENTS = ("complaint", "question", "praise", "feedback")
PLACEHOLDERS = frozenset({"name", "issue"})
DEFAULT_TARGET = 160
# Replies sharing this share of words with a recent reply read like a copy.
MAX_OVERLAP = 0.75
MAX_ATTEMPTS = 12
CRISIS_TOPIC = "outage"

_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_])){1,19}")
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


_DEFAULT: list[dict[str, Any]] = []


def _default_templates() -> dict[str, Any]:
    if not _DEFAULT:
        _DEFAULT.append(load_offline_templates(DEFAULT_TEMPLATES))
    return _DEFAULT[0]


def validate_templates(data: Any) -> None:
    """Fail early, with the path of the bad entry, rather than on some customer's reply."""
    if not isinstance(data, Mapping) or not isinstance(data.get("languages"), Mapping):
        raise ValueError("offline templates need a 'languages' mapping")
    if "en" not in data["languages"]:
        raise ValueError("offline templates need an 'en' language")
    for code, lang in data["languages"].items():
        _require_lists(lang, f"{code}.greeting", ("name",))
        _require_lists(lang, f"{code}.thanks", INTENTS)
        _require_lists(lang, f"{code}.sorry_topic", ("general",))
        for intent in ("complaint", "question", "feedback"):
            _require_lists(lang, f"{code}.next_steps.{intent}", ("general",))
        _require_lists(lang, code, ("praise_close", "link_lead"))
        _require_lists(lang, f"{code}.crisis", ("thanks", "holding", "next_step"))
        _require_text(lang, f"{code}.crisis.issues.general")
        for key in ("thanks", "next_step", "crisis"):
            _require_text(lang, f"{code}.short.{key}")
    _check_placeholders(data, "templates")


def _lookup(root: Any, dotted: str) -> Any:
    node = root
    for part in [p for p in dotted.split(".")[1:] if p]:
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
    sorry: str = ""
    next_step: str = ""
    link_lead: str = ""
    link: str = ""

    def render(self) -> str:
        tail = f"{self.link_lead} {self.link}" if self.link and self.link_lead else self.link
        thanks = self.thanks
        if not self.greeting or self.greeting.endswith(("!", ".")):
            thanks = _capitalised(thanks)
        parts = (self.greeting, thanks, self.sorry, self.next_step, tail)
        return " ".join(part for part in parts if part)


# Optional pieces, dropped in this order to come near the target length.
_TO_TARGET = ("link_lead", "greeting")
# Dropped too when the reply would not fit the network at all.
_TO_LIMIT = ("sorry",)
_SLOTS = {f.name: index for index, f in enumerate(fields(_Pieces))}


class _Picker:
    """Chooses one variant per slot from a hash of the draft id, the post and an attempt."""

    def __init__(self, draft_id: str, post: str, attempt: int) -> None:
        seed = f"{draft_id}#{' '.join(post.lower().split())}#{attempt}"
        self._digest = hashlib.blake2b(seed.encode(), digest_size=16).digest()

    def pick(self, options: Sequence[str] | None, slot: str) -> str:
        if not options:
            return ""
        index = _SLOTS[slot] * 2
        return options[int.from_bytes(self._digest[index : index + 2], "big") % len(options)]


def _words(text: str) -> frozenset[str]:
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
        self._targets: Mapping[str, int] = data.get("target_length") or {}
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
        """The reply text: the first variant that is not too close to a recent reply.
        Raises AnswerByHand when the post is in a language the templates do not cover."""
        lang = self._language(request)
        previous = [_words(reply) for reply in request.previous_replies]
        best, best_overlap = "", 2.0
        for attempt in range(MAX_ATTEMPTS):
            picker = _Picker(request.draft_id, request.mention.text, attempt)
            text = self._fit(self._pieces(request, lang, picker), request, lang)
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

    def target_length(self, network: Network) -> int:
        return int(self._targets.get(network.value, DEFAULT_TARGET))

    def _language(self, request: DraftRequest) -> Mapping[str, Any]:
        code = request.triage.language
        if code in self._languages:
            return self._languages[code]  # type: ignore[no-any-return]
        if code in ("und", "") and _latin(request.mention.text):
            return self._languages["en"]  # type: ignore[no-any-return]
        raise AnswerByHand(f"the post's language ({code}) has no offline templates")

    def _pieces(self, request: DraftRequest, lang: Mapping[str, Any], picker: _Picker) -> _Pieces:
        greeting = self._greeting(lang["greeting"], request, picker)
        if request.crisis:
            return self._crisis_pieces(lang, request.triage.topic, greeting, picker)
        intent = _intent_key(request.triage.intent)
        thanks = picker.pick(lang["thanks"][intent], "thanks")
        if intent == "praise":
            return _Pieces(
                greeting, thanks, next_step=picker.pick(lang["praise_close"], "next_step")
            )
        topic = request.triage.topic
        steps = lang["next_steps"][intent]
        return _Pieces(
            greeting=greeting,
            thanks=thanks,
            sorry=self._sorry(lang, request, picker) if intent == "complaint" else "",
            next_step=picker.pick(steps.get(topic) or steps["general"], "next_step"),
            link_lead=picker.pick(lang["link_lead"], "link_lead"),
            link=self.links.url_for(topic) or "",
        )

    @staticmethod
    def _sorry(lang: Mapping[str, Any], request: DraftRequest, picker: _Picker) -> str:
        """ "Sorry <the problem, from the post>." or, failing that, the topic's line."""
        mention = request.mention
        clause = issue_clause([mention.text, *reversed(mention.context)])
        if clause and lang.get("sorry"):
            return picker.pick(lang["sorry"], "sorry").format(issue=clause)
        by_topic = lang["sorry_topic"]
        return picker.pick(by_topic.get(request.triage.topic) or by_topic["general"], "sorry")

    def _crisis_pieces(
        self, lang: Mapping[str, Any], topic: str, greeting: str, picker: _Picker
    ) -> _Pieces:
        crisis = lang["crisis"]
        issue = crisis["issues"].get(topic) or crisis["issues"]["general"]
        return _Pieces(
            greeting=greeting,
            thanks=picker.pick(crisis["thanks"], "thanks"),
            sorry=picker.pick(crisis["holding"], "sorry").format(issue=issue),
            next_step=picker.pick(crisis["next_step"], "next_step"),
            link_lead=picker.pick(crisis.get("link_lead"), "link_lead"),
            link=self.links.url_for(CRISIS_TOPIC) or "",
        )

    @staticmethod
    def _greeting(options: Mapping[str, Any], request: DraftRequest, picker: _Picker) -> str:
        name = first_name(request.mention.author_name)
        return picker.pick(options["name"], "greeting").format(name=name) if name else ""

    def _fit(self, pieces: _Pieces, request: DraftRequest, lang: Mapping[str, Any]) -> str:
        """Drop optional pieces to come near the target length, and further (the sorry
        line) when the network's limit needs it; the link and next step are never cut."""
        network: Network = request.mention.network
        limit = request.max_length
        target = min(limit, self.target_length(network))
        text = pieces.render()
        for name in _TO_TARGET:
            if measure(text, network) <= target:
                return text
            pieces = replace(pieces, **{name: ""})
            text = pieces.render()
        for name in _TO_LIMIT:
            if measure(text, network) <= limit:
                return text
            pieces = replace(pieces, **{name: ""})
            text = pieces.render()
        if measure(text, network) <= limit:
            return text
        short = lang["short"]
        first = short["crisis"] if request.crisis else f"{short['thanks']} {short['next_step']}"
        for thanks in (first, short["thanks"]):
            text = _Pieces(thanks=thanks, link=pieces.link).render()
            if measure(text, network) <= limit:
                return text
        return text  # even "Thanks!" and the link do not fit: the link is never cut


def _capitalised(text: str) -> str:
    """Upper-case the first letter ("¡muchas gracias!" -> "¡Muchas gracias!")."""
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
    return text


def _latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) >= 0.8 * len(letters)


def _intent_key(intent: Intent) -> str:
    """Spam never reaches a drafter; if it does, it gets a neutral reply to a question."""
    return intent.value if intent.value in INTENTS else "question"
