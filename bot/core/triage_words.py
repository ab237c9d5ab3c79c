"""The vocabulary triage sorts by: single words (matched on whole tokens) and phrases.

Each table is a list of regular-expression alternatives, matched as whole words or
phrases in the lower-cased text. Complaint cues (for the languages the intent model was
not trained on) come in two strengths: a *strong* cue ("never arrived", "wrong item",
"worst") makes a post a complaint on its own, a *weak* one ("refund", "again", "can't
find") only when nothing points elsewhere (a question, thanks, a suggestion).
"""

from __future__ import annotations

COMPLAINT_STRONG_WORDS = (
    r"broken|worst|terrible|awful|horrible|disgusting|appalling|pathetic|useless|ridiculous",
    r"unacceptable|disappoint\w*|frustrat\w*|annoy\w*|furious|angry|rubbish|shambles|scam\w*",
    r"overcharg\w*|complain\w*|nightmare|unprofessional|lied|lying|rude|ignored|ignoring|smh",
    r"wtf|ffs|ugh+|subpar|soggy|stale|damaged|missing|refused|denied|crash\w*|freez\w*|froze",
    r"outage|stuck|suck\w*|incompetent|worse|horrendous|shocking|dreadful|lousy|fuming",
    r"ripped|misleading|unreliable|unhelpful|clueless|disgrace\w*|incorrect|faulty|defective",
    r"déçue?|decepcionad[oa]|enttäuscht|deluso|delusa|teleurgesteld|errad[oa]|equivocad[oa]",
    r"sbagliat[oa]|falsch|falsche[nm]?|verkeerde?|incomplète?|incompleto|manque|nadie",
)
COMPLAINT_WEAK_WORDS = (
    r"cannot|delay\w*|late|lost|cancel\w*|refund|problems?|issues?|errors?|fail\w*|down",
    r"poor|bad|again|hours|days|weeks|slow|expensive|stopped|cold|confusing|still|twice",
    r"charged|bumped|blackout|offline|stop\w*|disconnect\w*|(?:ca|wo|do|does|is|have|has|did)nt",
    r"dirty|broke|wrong|nobody|awaiting|joke",
)
COMPLAINT_PHRASES = (
    r"still\s+(?:waiting|not|no|nothing|haven'?t|hasn'?t)",
    r"never\s+(?:arrived?|received|came|come|got|delivered|again|turned\s+up|showed)",
    r"not\s+(?:working|received|delivered|arrived|happy|helpful|good\s+enough|acceptable|great|"
    r"impressed|here|being|able|allowed|running|showing|loading|responding|cool|ok|okay)",
    r"(?:does|did|is|has|have|was|were|wo|ca|could|do)n'?t\s+(?:work|arrive|come|load|open|let|"
    r"get|even|receive|respond|reply|help|show|turn|seem|access|log|sign|use|download|connect)",
    r"can'?t\s+(?:log|get|access|download|believe|use|even|load|sign|seem|connect|open|finish|see|"
    r"complete|pay|check\s*out|track)",
    r"(?:has|have|had|is|was|did|does|do|are|were)n'?t\s+(?:shipped|arrived|received|been|come|"
    r"got|turned|worked|heard|responded|replied|had|sent|fixed|moved)",
    r"unable\s+to|fed\s+up|sick\s+of|rip\s*off|waste\s+of|on\s+hold|ever\s+again",
    r"wrong\s+(?:item|order|size|address|parcel|package|colou?r|depot|house|door|product)",
    r"charged\s+(?:twice|me)|over\s+charged|no\s+(?:response|reply|answer|one|update|help|refund|"
    r"signal|service|internet|power|way|call)",
    r"why\s+(?:is|does|did|do|are|can'?t|won'?t|would|has|have|am|isn'?t|the|was|were|even)",
    r"what'?s\s+going\s+on|sort\s+(?:it|this)\s+out|fix\s+(?:it|this|your)|where\s+is\s+my",
    r"where'?s\s+my|keeps?\s+(?:crashing|failing|saying|telling|freezing|logging)",
    r"keep\s+getting\s+(?:logged|signed|kicked)|any\s+updates?|when\s+will|cut\s+off",
    r"pls\s+help|help!|never\s+get|marked\s+(?:as\s+)?delivered|says\s+delivered",
    r"left\s+(?:my|the|our)\s+(?:\w+\s+)?(?:parcel|package|box|order)\s+(?:at|with|outside|in)",
    r"ordered\s+[^.!?]{1,40}?\b(?:got|received|but\s+got|sent\s+me)\b|what\s+now",
    r"should\s+have|locked\s+out|someone\s+else'?s|half\s+the|(?:didn'?t|did\s+not)\s+(?:order|ask)",
    r"no\s+ha\s+llegado|nadie\s+me|necesito\s+una\s+respuesta|qué\s+está\s+pasando",
    r"toujours\s+pas|pas\s+(?:encore\s+)?(?:arrivée?|reçue?|livrée?)|il\s+manque",
    r"immer\s+noch|noch\s+nicht|nicht\s+(?:angekommen|geliefert)|passiert\s+nichts|was\s+ist\s+da\s+los",
    r"ainda\s+não|não\s+(?:chegou|recebi)|non\s+è\s+ancora|nog\s+(?:niet|steeds)",
)
# Japanese and Chinese complaint words: no spaces between words, so matched anywhere.
CJK_COMPLAINT = (
    r"届かない|届きません|届いていない|最悪|遅い|遅れ|壊れ|困る|困って|できない|見れない|返金"
    r"|没有收到|无法|糟糕|退款"
)
SAD = r":-?\(|:'\(|😡|😠|🤬|😤|😒|😞|😢|😭|👎|🙄"
PRAISE_WORDS = (
    r"love[sd]?|loving|lovely|amazing|awesome|great|thanks?|thx|ty|best|brilliant|excellent",
    r"fantastic|perfect|kudos|shoutout|impressed|lifesaver|wonderful|superb|cheers|legend",
    r"grateful|appreciated?|gracias|merci|danke|obrigad[oa]|grazie|bedankt|helpful|quick|easier",
)
PRAISE_EMOJI = r"👍|🙌|💛|❤|💙|💚|😍|🥰|👏|💯|🎉|😊|🙂|☺"
PRAISE_PHRASES = (
    r"thank\s+you|shout\s*out|well\s+done|10/10|five\s+stars|5\s+stars|above\s+and\s+beyond",
    r"deserves?\s+a\s+(?:raise|medal|promotion|bonus)|nice\s+work|good\s+job|great\s+job",
    r"would\s+recommend|keep\s+it\s+up|made\s+my\s+day",
)
FEEDBACK_WORDS = (r"suggest\w*|idea|feedback|improve\w*|suggestion",)
FEEDBACK_PHRASES = (
    r"would\s+be\s+(?:nice|great|good|better|cool|helpful)|please\s+add|feature\s+request",
    r"i\s+wish|wish\s+(?:you|there|it)|it\s+would\s+help|consider\s+adding|would\s+love",
    r"should\s+(?:add|have|offer|make|bring)|bring\s+back|could\s+you\s+add|any\s+plans",
    r"please\s+ditch|any\s+chance\s+(?:you(?:'ll|\s+will|\s+could|\s+might)?\s+)?(?:add|get|offer|bring)",
)
SPAM_WORDS = (r"crypto\w*|bitcoin|btc|eth|nft|airdrops?|f4f|onlyfans|casino|forex",)
# A giveaway is spam when it asks to win or enter; a customer asking about the brand's
# own giveaway ("when will you announce the giveaway winner?") is not.
SPAM_PHRASES = (
    r"(?:win|free|enter(?:ed)?|claim)(?:\W+\w+){0,6}?\W+giveaways?"
    r"|giveaways?(?:\W+\w+){0,6}?\W+(?:win|free|prizes?|enter)",
    r"free\s+followers|follow\s*(?:4|for)\s*follow|follow\s+back|promo\s+code",
    r"dm\s+(?:me\s+)?for\s+(?:promo\w*|collab\w*|shoutouts?)|earn\s+\$",
    r"make\s+money\s+(?:fast|online|from\s+home)",
    r"click\s+(?:here|the\s+link)|check\s+(?:my|out\s+my)\s+(?:bio|profile|page)",
    r"investment\s+opportunity|binary\s+options|sugar\s+daddy|whatsapp\s+\+?\d",
)
RISK_WORDS = {  # urgent, besides the risk classes of bot/core/risk.py
    "money": r"overcharg\w*|fraud\w*|stolen|theft|chargeback|unauthori[sz]ed",
    "outage": r"outage|502|503|offline",
}
RISK_PHRASES = {
    "money": r"charged\s+twice|double\s+charged|my\s+bank|my\s+money",
    "outage": r"(?:site|app|website|server|servers|service|system)\s+(?:is\s+)?down|is\s+it\s+down"
    r"|not\s+loading",
}
# links.yaml topics, most urgent first: ties between topics go to the earlier one.
TOPIC_WORDS = {
    "outage": r"outage|502|503|offline",
    "privacy": r"privacy|gdpr|leak\w*|advertisers?",
    "refund": r"refund\w*|reimburs\w*|returns?|returned|returning|chargeback|reembolso|"
    r"remboursement|rückerstattung|rimborso|terugbetaling",
    "billing": r"charged?|charges|billing|bill|billed|invoice|payments?|paid|card|subscription|"
    r"fee|fees|overcharg\w*|price|receipt|vat|factura|facture|rechnung|fattura",
    "account": r"account|login|password|verification|2fa|username|logged|cuenta|compte|konto",
    "app": r"app|crash\w*|update|ios|android|iphone|bug|screen|notifications?|freez\w*|froze",
    "delivery": r"deliver\w*|parcels?|packages?|courier|driver|tracking|track|shipp\w*|ship|ships|"
    r"shipment|arriv\w*|doorstep|door|neighbou?rs?|dispatch\w*|locker|lockers|slots?|redirect\w*|depot|"
    r"paquete|reparto|envío|entrega\w*|colis|livraison|livreur|paket|zustellung|lieferung|"
    r"encomenda|pacco|consegna|pakket|bezorg\w*",
    "order": r"orders?|ordered|checkout|basket|cart|items?|purchase\w*|bought|pedido|commande|"
    r"articles?|bestellung|ordine|bestelling|artikel",
}
TOPIC_PHRASES = {
    "outage": RISK_PHRASES["outage"],
    "privacy": r"personal\s+(?:data|information|info|details)|my\s+data|data\s+breach|"
    r"delete\s+my\s+(?:account\s+and\s+)?data|tracking\s+cookies|spam\s+emails|location\s+data|"
    r"(?:hold|store|keep)\s+(?:about|on)\s+me",
    "refund": r"money\s+back",
    "account": r"log\s+in|sign\s*in|signed\s+out|locked\s+out|e-?mail\s+address|logged\s+out",
    "delivery": r"in\s+transit|post\s*office|po\s+box(?:es)?",
    "order": r"out\s+of\s+stock",
}
QUESTION_START = (
    r"how|what|when|where|which|who|whom|is|are|can|could|do|does|did|will|would|should|has|"
    r"have|any|anyone|may"
)
STOPWORDS: dict[str, str] = {
    "en": "the and is to my you your it for of this that was have not with i me are be on "
    "at can but just why what no been still it's i'm don't so we they he she an all get do "
    "will if how when there out up about like got would from our long take once you've "
    "received return usually any does did has had been were here where thanks thank please "
    "help need want know see new now today yesterday again since after before it's can't "
    "didn't doesn't isn't won't i've i'd i'll you're hi hey hello love great good",
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
}
# Frequent English words beyond the stopwords: a short post made of these is English
# even when it has too few stopwords to tell (most tweets are a dozen words).
ENGLISH_COMMON = (
    "parcel order delivery refund account app time day days week weeks still waiting "
    "thanks thank please help one two three back go going get got make made say said "
    "way work working really very much more some could should their them then than "
    "been being over just only also well even because while where who which why into "
    "morning night last next first yes sure guys team customer service phone "
    "email call reply message update late early quick fast slow nice bad worst best "
    "never ever every anyone someone nobody nothing something everything tried try "
    "keep keeps left right wrong still money card alright okay lol thx pls plz u ur im "
    "dont cant wont didnt doesnt isnt ive ill youre thats whats theres there's that's "
    "what's who's let's here's go gone come came see saw look looking find found give gave "
    "take took tell told ask asked think thought feel felt use used call called new old "
    "good great bad better best little big long short high low right last other same own "
    "people person man woman guy girl friend family home house place store shop world "
    "year years month hour hours minute minutes thing things way ways life work job "
    "again always never often sometimes soon already yet ago later too also very much "
    "many lot lots most less least more enough every each both either these those "
    "yes yeah nope maybe please sorry hope wish want wanted need needed like liked love "
    "file complaint formal against service location problem issue help check follow "
    "happy sad angry mad wow omg awesome cool nice fine sure true false real actually"
)
