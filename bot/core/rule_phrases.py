"""The phrases the rule linter looks for (bot/core/rules.py), one table per rule.

Matched against lower-cased reply text without its URLs.
"""

from __future__ import annotations

import re

import regex


def phrases(*patterns: str) -> re.Pattern[str]:
    """Whole-word alternatives, matched against lower-cased text."""
    return re.compile(r"\b(?:" + "|".join(patterns) + r")(?!\w)")


THANKS = phrases(
    r"thank(?:s|\s+you|\s+u|ing\s+you)?",
    r"thx|thnx|tysm|ty",
    r"appreciate[ds]?|appreciation|grateful|cheers|kudos\s+to\s+you",
    r"(?:muchas\s+)?gracias|agradec\w*",
    r"merci|remerci\w*",
    r"danke(?:sch[öo]n)?|vielen\s+dank|dank\s+(?:je|u|jullie)(?:\s+wel)?|bedankt",
    r"obrigad[oa]s?|agradeço|agradecemos",
    r"grazie|ringrazi\w*",
)
SOLUTION = phrases(
    r"(?:dm|pm|message|email|e-mail|text|call|contact|ping)\s+us",
    r"send\s+(?:us|me|over)|reply\s+with|share\s+(?:your|the)|drop\s+us",
    r"(?:could|can|would|will)\s+you(?:\s+please)?\s+\w+",
    r"please\s+(?:try|check|update|restart|reinstall|visit|see|contact|reach|let|send|"
    r"share|reply|follow|log|sign|clear|open|tap|go|head|use|confirm)",
    r"(?<!are )(?<!re )(?<!am )(?<!'m )(?<!’m )(?<!to )try\s+\w+",
    r"here(?:'|’)?s\s+how|here\s+is\s+how|follow\s+(?:these|the)\s+steps",
    r"step\s+by\s+step|steps?\s+(?:here|below)|let\s+us\s+know|reach\s+out",
    r"how\s+can\s+(?:i|we)\s+help|(?:is\s+there\s+)?anything\s+(?:else\s+)?(?:i|we)\s+can",
    r"dm\s+me|please\s+dm|let\s+me\s+\w+|be\s+sure\s+to|you\s+(?:can|could|may)\s+(?:also\s+)?\w+",
    r"you(?:'|’)?ll\s+need\s+to|you\s+(?:will\s+)?need\s+to|tweet\s+us|"
    r"(?:call|contact|visit|reach)\s+(?:us|our|the)",
    r"we(?:(?:'|’)ve|\s+have)\s+(?:now\s+|just\s+|already\s+)?(?:refunded|sent|issued|fixed|resolved|reset|"
    r"escalated|credited|updated|reshipped|re-shipped|replaced|cancell?ed|rebooked|flagged)",
    r"we(?:'|’)ll\s+\w+|we\s+will\s+\w+|we(?:'|’)re\s+(?:looking|working|checking|investigating)",
    r"we\s+are\s+(?:looking|working|checking|investigating)|(?:check|visit|head\s+to)\s+\S+"
    r"|see\s+(?:here|our|the|this|how)",
    r"envíanos|escríbenos|mándanos|podrías|puedes|revisaremos|vamos\s+a",
    r"envoyez-nous|écrivez-nous|pourriez-vous|pouvez-vous|nous\s+allons|essayez",
    r"schicken\s+sie|schreib(?:en\s+sie)?\s+uns|senden\s+sie|könnten\s+sie|können\s+sie|"
    r"wir\s+prüfen|wir\s+kümmern",
    r"envie|mande|poderia|pode\s+nos|vamos\s+verificar",
    r"inviaci|scrivici|potresti|può\s+inviarci|stuur\s+ons|kun\s+je|kunt\s+u",
)
SECOND_PERSON = phrases(
    r"you|your|u|ur|usted|tu|tú|vous|sie|du|dein|ihr|você|voce|lei|puoi|jij|jou|uw"
)
QUESTION = regex.compile(r"[^.!?¿\n]*\?")
DEFENSIVE = phrases(
    r"you\s+should(?:\s+have|'ve|’ve)|you\s+(?:failed|neglected)\s+to|your\s+(?:own\s+)?fault",
    r"user\s+error|not\s+our\s+(?:fault|problem)|we(?:'|’)?re\s+not\s+responsible",
    r"we\s+are\s+not\s+responsible|nothing\s+we\s+can\s+do|calm\s+down",
    r"as\s+(?:we\s+)?(?:already|previously|clearly)\s+(?:said|stated|mentioned|explained|told\s+you)",
    r"as\s+(?:previously\s+)?stated|as\s+mentioned\s+(?:before|earlier|previously)",
    r"as\s+we\s+(?:said|told\s+you)|like\s+we\s+(?:said|told\s+you)",
    r"per\s+our\s+(?:policy|policies|terms)|our\s+(?:terms|policy|policies)\s+clearly",
    r"(?:that|this|it)(?:'|’)?s\s+(?:our|company)\s+policy|(?:that|this|it)\s+is\s+(?:our|company)\s+policy",
    r"unfortunately,?\s+(?:that|this)(?:'|’)?s?\s+(?:is\s+)?(?:our|the)\s+policy",
    r"obviously|clearly\s+you|as\s+anyone\s+(?:knows|can\s+see)|good\s+luck\s+with\s+that",
    r"if\s+you\s+had\s+(?:read|bothered)|did\s+you\s+even|read\s+the\s+(?:faq|manual|instructions)",
    # es, fr, de, pt, it, nl: "as we already said", "not our fault", "your own fault", policy
    r"como\s+ya\s+(?:te\s+|le\s+|les\s+)?(?:dijimos|indicamos|explicamos|mencionamos)",
    r"no\s+es\s+(?:nuestra\s+culpa|nuestro\s+problema)|es\s+(?:tu|su)\s+culpa",
    r"según\s+nuestra\s+política",
    r"comme\s+(?:déjà\s+|nous\s+l(?:'|’)avons\s+(?:déjà\s+)?)(?:dit|indiqué|expliqué|mentionné)",
    r"ce\s+n(?:'|’)est\s+pas\s+(?:notre\s+faute|notre\s+problème)|c(?:'|’)est\s+(?:votre|ta)\s+faute",
    r"selon\s+notre\s+politique",
    r"wie\s+(?:bereits|schon)\s+(?:gesagt|erwähnt|erklärt|mitgeteilt)",
    r"nicht\s+unsere\s+schuld|nicht\s+unser\s+problem|(?:ihre|deine)\s+eigene\s+schuld|selbst\s+schuld",
    r"gemäß\s+unseren\s+(?:richtlinien|agb)",
    r"como\s+já\s+(?:dissemos|informamos|explicamos|mencionamos)",
    r"não\s+é\s+(?:nossa\s+culpa|nosso\s+problema)|a\s+culpa\s+é\s+(?:sua|tua)",
    r"conforme\s+(?:a\s+)?nossa\s+política",
    r"come\s+(?:già\s+)?(?:detto|spiegato|indicato)",
    r"non\s+è\s+(?:colpa\s+nostra|un\s+nostro\s+problema)|è\s+colpa\s+(?:sua|tua)",
    r"secondo\s+la\s+nostra\s+politica",
    r"zoals\s+(?:al|eerder)\s+(?:gezegd|vermeld|uitgelegd)",
    r"niet\s+onze\s+schuld|niet\s+ons\s+probleem|(?:uw|je)\s+eigen\s+schuld",
)
ROBOTIC = phrases(
    r"dear\s+(?:valued\s+)?(?:customer|client|user|sir(?:\s+or\s+madam)?)|valued\s+customer",
    r"we\s+apologi[sz]e\s+for\s+any\s+inconvenience|any\s+inconvenience\s+(?:this|that)\s+may\s+have\s+caused",
    r"your\s+(?:call|message|email|inquiry|enquiry|query|business)\s+is\s+(?:very\s+)?important\s+to\s+us",
    r"please\s+be\s+advised|kindly\s+be\s+(?:advised|informed)|this\s+is\s+an\s+automated",
    r"do\s+not\s+reply\s+to\s+this|we\s+regret\s+to\s+inform\s+you|at\s+your\s+earliest\s+convenience",
    # es, fr, de, pt, it, nl: "dear (valued) customer", form apologies, "this is automated"
    r"estimad[oa]\s+cliente|lamentamos\s+(?:cualquier|las)\s+molestias|este\s+es\s+un\s+mensaje\s+automático",
    r"cher\s+client|chère\s+cliente|nous\s+vous\s+prions\s+de\s+nous\s+excuser"
    r"|ceci\s+est\s+un\s+message\s+automatique",
    r"sehr\s+geehrter?\s+kund(?:e|in)|wir\s+bitten\s+um\s+ihr\s+verständnis"
    r"|dies\s+ist\s+eine\s+automatische",
    r"prezad[oa]\s+cliente|lamentamos\s+(?:qualquer|o)\s+(?:inconveniente|transtorno)"
    r"|esta\s+é\s+uma\s+mensagem\s+automática",
    r"gentile\s+cliente|ci\s+scusiamo\s+per\s+(?:ogni|qualsiasi|il)\s+(?:inconveniente|disagio)"
    r"|questo\s+è\s+un\s+messaggio\s+automatico",
    r"geachte\s+klant|excuses\s+voor\s+(?:het|eventueel)\s+ongemak|dit\s+is\s+een\s+automatisch\w*",
)
