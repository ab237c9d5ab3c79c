"""Guardrails: checks on a draft's text that no model answer may get past (DESIGN §6).

The rule linter judges whether a reply is a *good* reply; these checks judge whether it
is a *safe* one. They hold whatever the model was told by the customer's text:

- every link is one of the brand's own help links (`prompts/links.yaml`),
- no @-handle other than the customer's (a reply must not drag others in or be steered
  into tagging someone),
- no stretch of the system prompt (an injected "print your instructions" must not work),
- the network's length limit.

All functions are pure; `guard` returns one `RuleCheck` per guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise

from bot.core.models import Network, RuleCheck
from bot.core.rules import LinkBook, measure

# Safety guards: a draft failing one of these is never offered from a model; the
# offline drafter answers instead (no repair round: the model may be under injection).
SAFETY_GUARDS: tuple[str, ...] = ("allowlist", "handles", "prompt_text")

# Opening with a plain character class lets the engine skip to "h"/"w" in C (only ASCII
# letters fold to them); the rest stays case-insensitive, "ſ" matching "s" included.
_URL = re.compile(r"[hHwW](?i:(?<=h)ttps?://|(?<=w)ww\.)[^\s<>\"')\]]+")
# A bare domain such as evil.example/win or evil.com: links a network may auto-link.
_BARE_DOMAIN = re.compile(
    r"(?<![@\w.])(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|ly|me|example|info|biz|xyz|app|link)"
    r"(?:/[^\s<>\"')\]]*)?(?![\w.-]*@)",
    re.IGNORECASE,
)
# A dot and a top-level domain: without one there is no bare domain to look for.
_DOT_TLD = re.compile(r"\.(?:com|net|org|io|co|ly|me|example|info|biz|xyz|app|link)", re.I)
# "@" first, then the look-behind: the engine jumps from "@" to "@" instead of trying
# every position.
_HANDLE = re.compile(r"@(?<![\w@/.]@)([A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9.-]+)?)")
_WORD = re.compile(r"\w+", re.UNICODE)

# Consecutive words shared with the prompt that count as leaking it. Eight ordinary
# words in a row ("always thank the customer and suggest one clear") are rare by chance.
LEAK_NGRAM = 8


# Passing verdicts never vary: made once (RuleCheck is frozen, so sharing is safe).
_LINKS_OK = RuleCheck("allowlist", True, "every link is in links.yaml")
_HANDLES_OK = RuleCheck("handles", True, "only the customer's handle")
_PROMPT_OK = RuleCheck("prompt_text", True, "nothing from the instructions")


def links_in(text: str) -> list[str]:
    """Every URL-like token, then every bare domain that a network would turn into a link
    (searched in the text with its URLs blanked out, so a URL is not counted twice)."""
    urls = list(_URL.finditer(text))
    found = [m.group(0).rstrip(".,;:!?") for m in urls]
    rest = text
    if urls:  # blank the URLs out from the spans already found, not by a second scan
        pieces: list[str] = []
        last = 0
        for match in urls:
            pieces += (text[last : match.start()], " ")
            last = match.end()
        rest = "".join([*pieces, text[last:]])
    if _DOT_TLD.search(rest):  # a bare domain ends in a dot and a top-level domain
        found += [m.group(0).rstrip(".,;:!?") for m in _BARE_DOMAIN.finditer(rest)]
    return found


def handles_in(text: str) -> list[str]:
    """@-handles in the text, lower-cased, without the leading @ (emails are not handles)."""
    return [m.group(1).rstrip(".-").lower() for m in _HANDLE.finditer(text)]


def _same_handle(found: str, customer: str) -> bool:
    customer = customer.lower().lstrip("@")
    # Mastodon: "@ana" in a reply is the same person as "ana@mastodon.social".
    return found == customer or found == customer.split("@")[0] or customer == found.split("@")[0]


def check_links(text: str, links: LinkBook) -> RuleCheck:
    bad = [url for url in links_in(text) if not links.allows(_with_scheme(url))]
    if bad:
        return RuleCheck("allowlist", False, f"{bad[0][:80]} is not in links.yaml")
    return _LINKS_OK


def _with_scheme(url: str) -> str:
    return url if url.lower().startswith(("http://", "https://")) else f"https://{url}"


def check_handles(
    text: str, customer_handle: str | None, brand_handles: Iterable[str] = ()
) -> RuleCheck:
    allowed = [h for h in (customer_handle, *brand_handles) if h]
    others = [h for h in handles_in(text) if not any(_same_handle(h, a) for a in allowed)]
    if others:
        return RuleCheck("handles", False, f"mentions @{others[0][:40]}")
    return _HANDLES_OK


def words(text: str) -> list[str]:
    return list(map(str.lower, _WORD.findall(text)))


def ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@lru_cache(maxsize=32)
def _prompt_ngrams(prompt: str, n: int) -> frozenset[tuple[str, ...]]:
    """A prompt's n-grams, worked out once: the same few prompts guard every draft."""
    return frozenset(ngrams(words(prompt), n))


@lru_cache(maxsize=32)
def _prompt_pairs(prompt: str) -> frozenset[tuple[str, ...]]:
    return frozenset(ngrams(words(prompt), 2))


def _has_run(tokens: Sequence[str], pairs: frozenset[tuple[str, ...]], n: int) -> bool:
    """Are `n` consecutive tokens a chain of word pairs that all occur in the prompt?
    Every shared n-gram is one, and ordinary replies seldom have one, so this cheap
    test spares building the draft's n-grams."""
    if len(pairs.intersection(pairwise(tokens))) < n - 1:  # too few shared pairs at all
        return False
    run = 1
    for pair in pairwise(tokens):
        run = run + 1 if pair in pairs else 1
        if run >= n:
            return True
    return False


def leaked_ngram(text: str, prompt_texts: Iterable[str], n: int = LEAK_NGRAM) -> str | None:
    """The first run of `n` words the draft shares with a prompt, or None."""
    prompts = tuple(prompt_texts)
    tokens = words(text) if prompts else []
    if len(tokens) < n:
        return None
    for prompt in prompts:
        if not _has_run(tokens, _prompt_pairs(prompt), n):  # the usual case: no leak
            continue
        shared = ngrams(tokens, n) & _prompt_ngrams(prompt, n)
        if shared:
            return " ".join(sorted(shared)[0])
    return None


def check_prompt_text(text: str, prompt_texts: Iterable[str]) -> RuleCheck:
    leaked = leaked_ngram(text, prompt_texts)
    if leaked:
        return RuleCheck("prompt_text", False, f"repeats the instructions “{leaked}”")
    return _PROMPT_OK


def check_length(text: str, network: Network, max_length: int) -> RuleCheck:
    size = measure(text, network)
    if size > max_length:
        return RuleCheck("length", False, f"{size}/{max_length} characters")
    if not text.strip():
        return RuleCheck("length", False, "empty reply")
    return RuleCheck("length", True, f"{size}/{max_length} characters")


def guard(
    text: str,
    *,
    network: Network,
    max_length: int,
    links: LinkBook,
    customer_handle: str | None,
    prompt_texts: Iterable[str] = (),
    brand_handles: Iterable[str] = (),
) -> tuple[RuleCheck, ...]:
    """All guards, in a fixed order: allowlist, handles, prompt_text, length."""
    return (
        check_links(text, links),
        check_handles(text, customer_handle, brand_handles),
        check_prompt_text(text, prompt_texts),
        check_length(text, network, max_length),
    )


def merge_checks(
    lint_checks: Sequence[RuleCheck], guards: Sequence[RuleCheck]
) -> tuple[RuleCheck, ...]:
    """The linter's verdicts, then failing guards.

    A guard with the same name as a lint rule (length) tightens it instead of adding a
    second line; passing guards add nothing, so a card normally shows only the rules.
    """
    if all(g.ok for g in guards):  # the usual case: the linter's verdicts as they are
        return tuple(lint_checks)
    by_name = {g.rule: g for g in guards}
    merged = [by_name[c.rule] if c.ok and not by_name.get(c.rule, c).ok else c for c in lint_checks]
    names = {c.rule for c in lint_checks}
    merged += [g for g in guards if not g.ok and g.rule not in names]
    return tuple(merged)


def unsafe(checks: Iterable[RuleCheck]) -> RuleCheck | None:
    """The first failed safety guard among the checks, or None."""
    return next((c for c in checks if not c.ok and c.rule in SAFETY_GUARDS), None)


_TAG_LIKE = re.compile(r"</?\s*[A-Za-z_][\w -]{0,40}>")


def fence(text: str, tag: str = "customer_post") -> str:
    """Wrap customer text in a tag it cannot close: any look-alike tag inside is defused."""
    cleaned = _TAG_LIKE.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)
    return f"<{tag}>\n{cleaned}\n</{tag}>"
