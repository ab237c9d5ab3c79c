"""Triage: intent, sentiment, priority, language and topic of a mention.

Deterministic keyword and pattern rules plus VADER's compound sentiment. The rules are
deliberately simple so a reviewer can see why a case was sorted the way it was; tags
carry the reasons ("angry", "money", "outage" ...) onto the card.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.models import Intent, Mention, Priority, Triage
from bot.core.text import url_spans, without_handles, without_urls

SENTIMENT_CHARS = 1_000  # VADER's cost grows with length; the opening says enough
LONG_POST = 280
MAX_CHARS = 10_000  # beyond this a post is junk or an attack; triage reads the start


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")(?!\w)")


_SPAM = _words(
    r"crypto\w*|bitcoin|btc|eth|nft|airdrops?|giveaways?|free\s+followers|f4f|follow\s*(?:4|for)\s*follow",
    r"follow\s+back|dm\s+(?:me\s+)?for\s+(?:promo\w*|collab\w*|shoutouts?)|promo\s+code",
    r"earn\s+\$|make\s+money|click\s+(?:here|the\s+link)|check\s+(?:my|out\s+my)\s+(?:bio|profile|page)",
    r"onlyfans|casino|forex|investment\s+opportunity|binary\s+options|sugar\s+daddy|whatsapp\s+\+?\d",
)
_COMPLAINT = _words(
    r"still\s+(?:waiting|not|no|haven'?t|hasn'?t)|never\s+(?:arrived|received|came|got|delivered|again)",
    r"not\s+(?:working|received|delivered|arrived|happy|helpful|good\s+enough|acceptable)",
    r"(?:does|did|is|has|have|was|were|wo|ca|could)n'?t\s+(?:work|arrive|come|load|open|let|get|even|"
    r"receive|respond|reply|help|show|turn|seem|find|access|log|sign|use|download|connect)",
    r"can'?t\s+(?:log|get|access|download|find|believe|use|even|load|sign|seem|connect|open)",
    r"cannot|unable\s+to|broken|worst|terrible|awful|horrible|disgusting|appalling|pathetic|useless",
    r"ridiculous|unacceptable|disappoint\w*|frustrat\w*|annoy\w*|furious|angry|fed\s+up|sick\s+of",
    r"rubbish|shambles|a\s+joke|scam\w*|rip\s*off|waste\s+of|delay\w*|late|missing|lost|damaged",
    r"wrong\s+(?:item|order|size|address|parcel|package)|charged\s+(?:twice|me)|overcharg\w*",
    r"no\s+(?:response|reply|answer|one|update|help|refund|signal|service|internet|power|way)",
    r"on\s+hold|cancel\w*|why\s+(?:is|does|did|do|are|can'?t|won'?t|would|has|have|am|isn'?t|the)",
    r"what'?s\s+going\s+on|sort\s+(?:it|this)\s+out|fix\s+(?:it|this|your)|refund|complain\w*",
    r"problems?|issues?|error|fail\w*|crash\w*|down|outage|stuck|poor|bad|rude|ignored|again",
    r"keeps?\s+(?:crashing|failing|saying|telling|freezing)|ever\s+again|smh|wtf|ffs|ugh+|nightmare",
    r"hours|days|weeks|over\s+charged|lied|lying|unprofessional|suck\w*|slow|expensive",
    r"(?:has|have|had|is|was|did|does|do|are|were)n'?t\s+(?:shipped|arrived|received|been|come|got|"
    r"turned|worked|heard|responded|replied|had|sent|fixed)|(?:ca|wo|do|does|is|have|has|did)nt",
    r"where\s+is\s+my|where'?s\s+my|broke\w*|stop\w*|subpar|dirty|soggy|stale|cold|confusing",
    r"not\s+(?:being|able|allowed|possible|running|showing|loading|responding|cool|ok|okay)",
    r"should\s+have|still|any\s+updates?|when\s+will|twice|charged|bumped|cut\s+off|pls\s+help",
    r"help!|demanding|blackout|no\s+call|never\s+get|offline|disconnect\w*|refused|denied",
)
_SAD = re.compile(r":-?\(|:'\(|😡|😠|🤬|😤|😒|😞|😢|😭|👎")
_FEEDBACK = _words(
    r"would\s+be\s+(?:nice|great|good|better|cool|helpful)|please\s+add|suggest\w*|feature\s+request",
    r"i\s+wish|wish\s+(?:you|there|it)|it\s+would\s+help|idea|consider\s+adding|feedback|improve\w*",
    r"should\s+(?:add|have|offer|make|bring)|bring\s+back|could\s+you\s+add|any\s+plans",
)
_PRAISE = _words(
    r"love[sd]?|loving|amazing|awesome|great|thanks?|thank\s+you|best|brilliant|excellent",
    r"fantastic|perfect|kudos|shout\s*out|impressed|well\s+done|lifesaver|wonderful|superb|cheers",
)
_QUESTION_START = re.compile(
    r"^\s*(?:how|what|when|where|which|who|whom|is|are|can|could|do|does|did|will|would|should|"
    r"has|have|any|anyone|may)\b"
)
_RISK = {
    "safety": _words(
        r"injur\w*|hurt|fire|danger\w*|unsafe|threat\w*|attack\w*|assault\w*|emergency"
    ),
    "legal": _words(
        r"lawyer|solicitor|attorney|sue|suing|court|legal|lawsuit|ombudsman|trading\s+standards"
    ),
    "money": _words(
        r"charged\s+twice|double\s+charged|overcharg\w*|fraud\w*|stolen|theft|chargeback|my\s+bank|"
        r"my\s+money|unauthori[sz]ed"
    ),
    "outage": _words(
        r"outage|(?:site|app|website|server|servers|service|system)\s+(?:is\s+)?down|is\s+it\s+down|"
        r"not\s+loading|502|503|offline"
    ),
}
_TOPICS: dict[str, re.Pattern[str]] = {
    "outage": _RISK["outage"],
    "privacy": _words(
        r"privacy|gdpr|personal\s+(?:data|information|info|details)|my\s+data|data\s+breach|leak\w*",
        r"delete\s+my\s+(?:account\s+and\s+)?data|tracking\s+cookies|spam\s+emails",
    ),
    "refund": _words(r"refund\w*|money\s+back|reimburs\w*|return(?:s|ed|ing)?|chargeback"),
    "billing": _words(
        r"charged?|charges|billing|bill(?:ed)?|invoice|payment|paid|card|subscription|fee|fees|"
        r"overcharg\w*|price|receipt"
    ),
    "account": _words(
        r"account|log\s*in|login|password|sign\s*in|signed\s+out|locked\s+out|verification|2fa|"
        r"username|e-?mail\s+address"
    ),
    "app": _words(r"app|crash\w*|update|ios|android|iphone|bug|screen|button|notification\w*"),
    "delivery": _words(
        r"deliver\w*|parcels?|packages?|courier|driver|tracking|track|shipp\w*|shipment|"
        r"arriv\w*|doorstep|neighbou?r|dispatch\w*|in\s+transit|post\s*office|locker"
    ),
    "order": _words(
        r"orders?|ordered|checkout|basket|cart|items?|purchase\w*|bought|out\s+of\s+stock"
    ),
}
# One pass over the text for all topics; the group name says which topic matched.
_ANY_TOPIC = re.compile("|".join(f"(?P<{name}>{p.pattern})" for name, p in _TOPICS.items()))
_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and is to my you your it for of this that was have not with i me are be on "
        "at can but just why what no been still it's i'm don't so we they he she an all get do "
        "will if how when there out up about like got would from our",
        "es": "el la los las de que y en un una por para con no es mi pero muy está hola "
        "gracias pedido todavía nada porque del al se lo me",
        "fr": "le la les de des et est un une pour pas que qui je mon ma mes vous avec sur très "
        "merci bonjour ne ce colis toujours encore du au j'ai",
        "de": "der die das und ist nicht ich mein meine ein eine zu mit auf für sie es noch kein "
        "hallo danke bitte paket wo warum immer den dem habe",
        "pt": "o a os as de que e do da em um uma para com não é meu minha mas muito obrigado "
        "obrigada olá pedido ainda está você encomenda",
        "it": "il lo la gli le di che e è un una per non con mio mia ma molto grazie ciao ancora "
        "ordine pacco perché sono del della",
        "nl": "de het een en is niet ik mijn van op voor met dat je u nog geen maar wel bedankt "
        "hallo pakket waarom altijd",
    }.items()
}
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {
    word: tuple(lang for lang, words in _STOPWORDS.items() if word in words)
    for word in frozenset().union(*_STOPWORDS.values())
}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_analyzer: Any = None


def _sentiment(text: str) -> float:
    """VADER compound score, -1..1. The analyzer loads its lexicon once, on first use."""
    global _analyzer
    if _analyzer is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _analyzer = SentimentIntensityAnalyzer()
    return float(_analyzer.polarity_scores(text[:SENTIMENT_CHARS])["compound"])


def detect_language(text: str) -> str:
    """ISO 639-1 code by counting stopwords; "und" when no language clearly leads."""
    scores = dict.fromkeys(_STOPWORDS, 0)
    for token in _TOKEN.findall(text.lower()[:2000]):
        for lang in _LANGUAGES_OF.get(token, ()):
            scores[lang] += 1
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=scores.__getitem__)
    return best if ranked[0] >= 2 and ranked[0] > ranked[1] else "und"


def detect_topic(text: str) -> str:
    """The links.yaml topic with most keyword hits; ties go to the earlier (more urgent)."""
    hits = dict.fromkeys(_TOPICS, 0)
    for match in _ANY_TOPIC.finditer(text.lower()):
        hits[match.lastgroup or "general"] += 1
    best = max(hits, key=hits.__getitem__)  # the first of equals: dicts keep order
    return best if hits[best] else "general"


def _shouting(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 12 and sum(ch.isupper() for ch in letters) > 0.7 * len(letters)


def _is_spam(text: str, raw: str) -> bool:
    if _SPAM.search(text):
        return True
    return len(url_spans(raw)) >= 3 or len(_HASHTAG.findall(raw)) >= 5


def _intent(text: str, sentiment: float) -> Intent:
    complaints = len(_COMPLAINT.findall(text)) + len(_SAD.findall(text))
    praise = len(_PRAISE.findall(text))
    if (complaints and (sentiment < 0.5 or complaints > praise)) or sentiment <= -0.7:
        return Intent.COMPLAINT
    if _FEEDBACK.search(text):
        return Intent.FEEDBACK
    if "?" in text or _QUESTION_START.match(text):
        return Intent.QUESTION
    if praise or sentiment >= 0.3:
        return Intent.PRAISE
    return Intent.FEEDBACK


def _tags(mention: Mention, text: str, sentiment: float, risks: list[str]) -> tuple[str, ...]:
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
    text = plain.lower()
    sentiment = _sentiment(plain)
    intent = Intent.SPAM if _is_spam(text, raw) else _intent(text, sentiment)
    risks = [name for name, pattern in _RISK.items() if pattern.search(text)]
    tags = _tags(mention, text, sentiment, risks if intent is not Intent.SPAM else [])
    return Triage(
        intent=intent,
        sentiment=round(sentiment, 4),
        priority=_priority(intent, sentiment, tags),
        language=detect_language(text),
        topic=detect_topic(text),
        tags=tags,
    )
