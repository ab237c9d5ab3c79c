"""The phrases wow detection reads (bot/core/wow.py), on lower-cased text with curly
apostrophes made straight. Narrow on purpose: a false wow is worse than a missed one."""

from __future__ import annotations

import re


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'])(?:{'|'.join(phrases)})(?![\w'])")


_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|\d+(?:st|nd|rd|th))"
MILESTONES: dict[str, re.Pattern[str]] = {
    "birthday": _words(r"birthday", r"b-?day", r"bday", r"turn(?:s|ed|ing) \d\d"),
    "wedding": _words(
        r"wedding",
        r"got married",
        r"getting married",
        r"just married",
        r"honeymoon",
        r"newlyweds?",
        r"(?:got|just got|we're|we are|i'm|i am) engaged",
        r"she said yes",
    ),
    "new baby": _words(
        r"new baby",
        r"newborn",
        r"baby (?:girl|boy) (?:is here|arrived)",
        r"had (?:a|our) baby",
        r"(?:i'm|i am|we're|we are) (?:pregnant|expecting)",
        r"baby shower",
        r"welcomed (?:our|a) (?:baby|son|daughter)",
    ),
    "first order": _words(
        r"(?:my|our) (?:very )?first (?:ever )?(?:order|purchase)",
        r"first time (?:ordering|buying|shopping|using)",
        r"new customer here",
    ),
    "anniversary with us": _words(
        rf"{_NUMBER} years? (?:with you|as (?:a|your) customer|of (?:being )?(?:a )?customer)",
        rf"customer (?:for|since) (?:{_NUMBER} years|\d{{4}})",
        r"loyal customer since",
    ),
    "anniversary": _words(r"anniversary"),
    "graduation": _words(r"graduat(?:ed|ion|ing)", r"passed my (?:exams?|finals|driving test)"),
    "new home": _words(r"(?:our|my) (?:new|first) (?:home|house|flat|apartment)", r"moved in"),
    "new job": _words(r"(?:my|a) new job", r"got the job", r"got promoted", r"retir(?:ed|ement)"),
}
BAD_DAY = _words(
    r"(?:worst|terrible|horrible|awful|rough|bad|crappy|shitty|long|miserable) "
    r"(?:day|morning|week|monday)(?: ever)?",
    r"day from hell",
    r"the day i'm having",
    r"can'?t catch a break",
    r"just my luck",
    r"of all days",
    r"to top it (?:all )?off",
)
THANKS = _words(r"thanks?", r"thank you", r"thx", r"ty", r"cheers", r"appreciate(?:d)?")
# The post says the case was put right (by the brand): thanks with one of these is thanks
# after a solved case, whether or not careops saw the case.
RESOLVED = _words(
    r"(?:it|that|this|the|your) (?:\w+ )?(?:worked|helped|did the trick|fixed it)",
    r"(?:i |we )?now have (?:my|our|the) ",
    r"(?:taking|took|taken) (?:such )?(?:good |great )?care of",
    r"it (?:has )?(?:gone|went) through",
    r"(?:is|are|was|now|all|been|got it|got them|got everything) ?(?:now )?"
    r"(?:sorted|fixed|resolved|solved|restored|working again|back up)",
    r"(?:we|you) (?:solved|fixed|resolved|sorted) (?:the|my|it)",
    r"(?:resolv|solv)(?:ed|ing) (?:my|the|our) (?:issue|problem|complaint|query)",
    r"speedy resolution",
    r"(?:service|package|parcel|order|item|refund|it|money)"
    r" (?:is |was |has been |just |finally |has finally )?"
    r"(?:restored|recovered|arrived|came|got here|is here)",
    r"got my (?:package|parcel|order|refund|money|item)",
    r"(?:refund|replac)(?:ed|ing) (?:me|my)",
    r"made good on",
    r"making good on",
    r"to the rescue",
    r"no (?:more )?(?:problems|issues) (?:now|today|since)",
    r"not having the same issues?",
    r"(?:best|great|amazing|outstanding|excellent) (?:\w+ )?(?:customer service|assistance)",
    r"(?:has|have) (?:literally )?taken care of everything",
    r"(?:did me|done me) right",
    r"issue was solved",
    r"got (?:someone|somebody) (?:that|who) helped",
    r"more than making up",
    r"(?:i am|i'm) happy with",
)
# ... unless the customer put it right themselves ("I figured it out, thanks").
SELF_SOLVED = _words(
    r"i (?:figured|fixed|sorted|worked) (?:it|this|that)(?: out)?",
    r"fixed itself",
    r"never ?mind",
    r"disregard",
)
# Gratitude without a thanks word ("Geico to the rescue!", "props to", "much appreciated").
GRATEFUL = _words(r"props to", r"shout ?out", r"much appreciated", r"to the rescue", r"kudos")
