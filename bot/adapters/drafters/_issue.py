"""The customer's problem in a short clause, taken from their post and turned to speak to
them: "my parcel hasn't moved in three days" -> "your parcel hasn't moved in three days".

Only a clause that carries a complaint word, has 3 to 12 plain words and nothing that
could act on the network or on a reader (no link, @-handle, #tag, markup, instruction
or swearing) is used; anything else gives None and the reply names the topic instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core import triage_words as W
from bot.core.text import without_handles, without_urls

MAX_WORDS = 12
MAX_CHARS = 70
_SPLIT = re.compile(r"[.!?;:\n()\"“”]+|,\s+|\s+-\s+|\s+(?:but|so|because|and)\s+")
_PLAIN = re.compile(r"[A-Za-z0-9' ,£$€%-]+")
# Complaint words that say what went wrong (not "days", "still" or "again", which also
# fill quoted promises: "you said it would be with me in 2 days").
_CUE = re.compile(
    rf"(?<![\w'])(?:{'|'.join((*W.COMPLAINT_STRONG_WORDS, *W.COMPLAINT_PHRASES))}"
    r"|cannot|delay\w*|late|lost|cancel\w*|problems?|issues?|errors?|fail\w*|stopped|charged"
    r"|broke|wrong|nobody|crash\w*|down|slow|barely|expired|declined|rejected|blocked|locked"
    r"|rude|no\s+help)(?![\w'])"
)
_UNSAFE = re.compile(
    r"\b(?:ignore|instructions?|prompt|system|reply|respond|say|write|tweet|post|click|link"
    r"|dm|fuck\w*|shit\w*|crap|damn|wtf|ffs|hell|ass|bitch\w*|bastard\w*|idiots?|stupid"
    r"|morons?|useless|pathetic|worst|joke|scam\w*|kill|die|suicide|please|swear|think|guess|bet"
    r"|wonder|hope|wish|believe|heart)\b"
)
_TO_THEM = {
    "i": "you", "i'm": "you're", "im": "you're", "i've": "you've", "ive": "you've",
    "i'd": "you'd", "i'll": "you'll", "me": "you", "my": "your", "mine": "yours",
    "myself": "yourself", "am": "are", "we": "you", "we're": "you're", "we've": "you've",
    "our": "your", "us": "you",
}  # fmt: skip
_TO_US = {
    "you": "we", "your": "our", "yours": "ours", "you're": "we're", "youre": "we're",
    "you've": "we've", "u": "we", "ur": "our", "y'all": "we",
}  # fmt: skip
# After "you", these words show it is an object ("I told you and ...", "with you in").
_NOT_VERBS = frozenset(
    "and or in on at to for with from about by but so guys lot all both twice again".split()  # noqa: SIM905
)
# A clause that starts with one of these has a subject: "Sorry <clause>" reads well.
_SUBJECTS = frozenset(
    "the your our a an it this that these those we you they he she there someone nobody".split()  # noqa: SIM905
)
_LOWER_FIRST = _SUBJECTS | {"you're", "you've", "we're", "we've", "no"}
_LOWER_WORDS = frozenset(" ".join((W.STOPWORDS["en"], W.ENGLISH_COMMON)).split()) | {
    "cannot", "never", "still", "can't", "won't", "didn't", "doesn't", "isn't", "hasn't",
}  # fmt: skip
# A clause with no subject gets one: "still waiting on my refund" -> "you're still ...".
_ADD_SUBJECT = {
    "still": "you're", "waiting": "you're", "been": "you've", "stuck": "you're",
    "can't": "you", "cannot": "you", "couldn't": "you", "never": "you", "ordered": "you",
    "paid": "you", "got": "you", "tried": "you", "received": "you", "had": "you",
    "have": "you", "keep": "you", "lost": "you",
}  # fmt: skip


def issue_clause(texts: Sequence[str]) -> str | None:
    """The problem as a clause for "Sorry <clause>.", from the first text that has one
    (the post, then the posts it replies to, newest first)."""
    for text in texts:
        clause = _best_clause(text)
        if clause:
            return clause
    return None


def _best_clause(text: str) -> str | None:
    plain = without_handles(without_urls(text[:1000]), "").replace("’", "'").replace("‘", "")
    plain = re.sub(r"#\w+", " ", plain)
    best: tuple[int, str] | None = None
    for piece in _SPLIT.split(plain):
        clause = _spoken_to_them(piece)
        if clause is None:
            continue
        cues = len(_CUE.findall(clause.lower()))
        if cues and (best is None or cues > best[0]):
            best = (cues, clause)
    return best[1] if best else None


def _spoken_to_them(piece: str) -> str | None:
    words = piece.split()
    if not 3 <= len(words) <= MAX_WORDS or not _PLAIN.fullmatch(" ".join(words)):
        return None
    lowered = [w.lower() for w in words]
    if _UNSAFE.search(" ".join(lowered)):
        return None
    turned = [
        _turn(w, lowered[i + 1] if i + 1 < len(lowered) else "") for i, w in enumerate(lowered)
    ]
    turned = [
        "were" if w == "was" and i and turned[i - 1] == "you" else w for i, w in enumerate(turned)
    ]
    first = turned[0]
    if first == "still" and not (len(turned) > 1 and turned[1].endswith("ing")):
        return None  # "still no tech" has no verb to hang "you're" on
    if first in _ADD_SUBJECT:
        turned.insert(0, _ADD_SUBJECT[first])
    elif first not in _SUBJECTS and not (first == "no" and len(turned) > 1):
        return None
    kept = [_keep_case(original, new) for original, new in _aligned(words, turned)]
    kept[0] = kept[0].lower() if kept[0].lower() in _LOWER_FIRST else kept[0]
    clause = " ".join(kept).rstrip(" ,-")
    return clause if len(clause) <= MAX_CHARS else None


def _turn(word: str, following: str) -> str:
    """The customer's "my" is the reader's "your"; the brand's "you" is our "we" as a
    subject ("you charged me") and "us" otherwise ("I emailed you")."""
    if word in _TO_THEM:
        return _TO_THEM[word]
    if word in ("you", "u"):
        return "we" if following and following not in _NOT_VERBS else "us"
    return _TO_US.get(word, word)


def _aligned(words: list[str], turned: list[str]) -> list[tuple[str, str]]:
    """Pairs each new word with the word it came from (an added subject has none)."""
    offset = len(turned) - len(words)
    return [("", turned[i]) for i in range(offset)] + list(zip(words, turned[offset:], strict=True))


def _keep_case(original: str, new: str) -> str:
    """Names and codes keep their capitals ("PX-48213", "Leeds", "iOS"); shouting and
    sentence openings ("Still", "Cannot") do not."""
    if new in _LOWER_WORDS:
        return new
    if original[1:] != original[1:].lower() and not original.isupper():
        return original
    if original and original[0].isupper() and not original.isupper() and original.lower() == new:
        return original if original.lower() not in _TO_THEM else new
    if original.isupper() and any(c.isdigit() for c in original):
        return original
    return new
