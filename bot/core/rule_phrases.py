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
# Past participles of what a team does for a customer.
_DONE = (
    r"(?:refunded|sent|issued|fixed|resolved|reset|released|credited|added|rescheduled|rebooked"
    r"|booked|arranged|scheduled|ordered|cancell?ed|replaced|dispatched|shipped|processed"
    r"|approved|confirmed|escalated|raised|reported|passed|logged|updated|reshipped|re-shipped"
    r"|flagged|unlocked|restored|removed|corrected|waived|applied|reopened|reconnected|repaired"
    r"|responded|replied|answered|followed\s+up)"
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
    r"how\s+can\s+(?:i|we)\s+help|(?:is\s+there\s+)?anything\s+(?:else\s+)?(?:i|we)\s+(?:can|could|may)",
    r"(?:don(?:'|’)?t|do\s+not)\s+hesitate\s+to|come\s+back\s+to\s+us"
    r"|(?:i|we)(?:(?:'|’)d|\s+would)\s+(?:advise|recommend|suggest)",
    r"dm\s+me|please\s+dm|let\s+me\s+\w+|be\s+sure\s+to"
    r"|you\s+(?:can|could|may)\s+(?:also\s+)?(?!have\b)\w+",
    r"you(?:'|’)?ll\s+need\s+to|you\s+(?:will\s+|would\s+)?need\s+to|tweet\s+us|"
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
    r"du\s+kannst|sie\s+können|wir\s+melden\s+uns|nous\s+allons\s+\w+|vamos\s+\w+",
    r"(?:se\s+lo|lo)\s+(?:contamos|compartimos|pasamos)|nous\s+(?:transmettons|le\s+partageons)"
    r"|wir\s+geben|teilen\s+wir|lo\s+(?:diciamo|condividiamo|passiamo)|we\s+(?:geven|delen)",
    r"hemos\s+\w+(?:ado|ido)|nous\s+avons\s+\w+é|wir\s+haben\s+\w+|abbiamo\s+\w+(?:ato|uto|ito)"
    r"|we\s+hebben\s+\w+|enviamos|já\s+\w+(?:amos|emos)",
    # an action already taken or scheduled: "your refund went out this morning",
    # "a courier will collect it tomorrow", "I've rebooked your engineer"
    rf"(?:has|have|had)\s+(?:now\s+|just\s+|already\s+)?been\s+{_DONE}",
    rf"(?:is|are|was|were)\s+(?:now\s+|just\s+|already\s+)?{_DONE}",
    rf"(?:i|we|team|engineer|courier|driver|agent)(?:'|’)?(?:ve|\s+has|\s+have)?\s+"
    rf"(?:now\s+|just\s+|already\s+)?{_DONE}",
    r"(?:went|goes|is\s+going)\s+out|(?:is|are)\s+on\s+(?:its|their|the)\s+way|on\s+its\s+way",
    r"(?:will|'ll|’ll|should)\s+(?:now\s+)?(?:arrive|show|land|reach|collect|call|deliver|visit"
    r"|contact|email|text|refund|send|ship|follow\s+up|be\s+(?:in\s+touch|with\s+you"
    r"|delivered|back|there|fixed|sorted|refunded|credited))",
    r"ships\s+(?:today|tomorrow|on)|\d+\s+minutes\s+away|back\s+in\s+stock",
    # advice and ways to reach help: "we suggest ...", "give us a shout", "live chat is
    # available on the help page", "their number is 0344 ...", "just checking in"
    r"(?:we|i)\s+(?:suggest|recommend|encourage|advise)|please\s+(?!be\s+advised)\w+",
    r"give\s+us\s+a\s+(?:shout|call|ring|buzz)|keep\s+an\s+eye|(?:just\s+)?checking\s+in",
    r"(?:is|are)\s+(?:available|open)\s+(?:on|at|in|from|via|until|daily)"
    r"|(?:phone|telephone)\s+(?:number\s+)?is|\d{3,}[\s-]\d{3,}",
    r"(?<![\w'’])(?:press|tap|click|go\s+to|select|open|restart|update|reinstall|clear|turn)"
    r"\s+(?:the|your|on|off|it|a)\b",
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
    r"if\s+you\s+had(?:n'?t)?\s+(?:read|bothered|followed|checked|listened|paid|looked)"
    r"|if\s+you(?:'|’)d\s+(?:read|followed|checked|listened|looked)"
    r"|did\s+you\s+even|read\s+the\s+(?:faq|manual|instructions)",
    # "our records show you were notified twice", "it's your responsibility", "no one
    # else has reported this", "sorry you feel that way", "refer to our previous tweet"
    r"(?:our|the)\s+records\s+(?:show|indicate|say)|according\s+to\s+our\s+records",
    r"you\s+(?:were|have\s+been|had\s+been)\s+(?:\w+\s+)?(?:notified|informed|told|advised|warned"
    r"|reminded|emailed)",
    r"(?:it(?:'|’)?s|it\s+is|that(?:'|’)?s|that\s+is)\s+(?:your|the\s+customer(?:'|’)?s)\s+"
    r"(?:own\s+)?(?:responsibility|fault|mistake|error|problem)|your\s+responsibility\s+to",
    r"(?:no\s*one|nobody|no\s+other\s+\w+)\s+else\s+(?:has|have|had|is|seems)"
    r"|(?:no\s*one|nobody)\s+else(?:'|’)s|(?:everyone|everybody|all\s+other)\s+\w*\s*else(?:'|’)?s?"
    r"\s+(?:\w+\s+){0,2}(?:arrived|work(?:s|ed)?|(?:is|are|was|were)\s+fine)",
    r"sorry\s+(?:that\s+|if\s+)?you\s+feel\s+(?:that\s+way|this\s+way|like\s+that|that)"
    r"|sorry\s+you(?:'|’)re\s+upset\s+but",
    r"refer\s+to\s+(?:our|the|my)\s+(?:previous|earlier|last|above)\s+\w+"
    r"|see\s+our\s+(?:previous|earlier|last)\s+(?:tweet|reply|message|response|post)",
    r"(?:that(?:'|’)?s|that\s+is)\s+not\s+what\s+(?:our\s+\w+|we|the\s+\w+)\s+(?:shows?|said|says)",
    r"nothing\s+wrong\s+(?:with|on)|works?\s+(?:fine|perfectly)\s+(?:on|at|for)\s+our"
    r"|(?:no|not\s+a|not\s+our)\s+(?:fault|problem|issue)\s+on\s+our\s+(?:end|side)",
    r"you\s+must\s+have\s+(?:\w+\s+)?(?:entered|typed|made|missed|forgotten|ordered|clicked|used"
    r"|given|selected|chosen)",
    r"the\s+(?:fault|problem|issue)\s+is\s+(?:with\s+)?your|not\s+our\s+network",
    r"(?:can(?:'|’)?t|cannot|can\s+not|won(?:'|’)?t)\s+be\s+held\s+(?:responsible|liable|accountable)",
    r"you\s+(?:agreed|consented)\s+to|you\s+accepted\s+(?:our|the)\s+terms"
    r"|as\s+(?:stated|explained|set\s+out)\s+in\s+(?:our|the)",
    # a policy lecture: "to qualify ... you would have to ... otherwise you are subject to"
    r"you\s+are\s+subject\s+to|to\s+qualify\s+for\s+an?|we\s+can\s+only\s+(?:\w+\s+){1,4}if",
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
    r"(?:apologi[sz]e|apologies|sorry)\s+for\s+any\s+(?:\w+\s+(?:or|and)\s+)?"
    r"(?:inconvenience|frustrations?|disappointment)",
    r"(?:your|the)\s+(?:message|email|e-mail|request|enquiry|inquiry|query|complaint)\s+has\s+been"
    r"\s+(?:received|logged|noted|forwarded|registered)|we\s+have\s+received\s+your"
    r"|we\s+value\s+your\s+(?:business|custom|feedback)|thank\s+you\s+for\s+contacting\s+(?:us|customer)",
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
