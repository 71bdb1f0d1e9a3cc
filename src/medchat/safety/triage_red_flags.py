"""Emergency triage's red flags as data: per category, the patterns that mark a clause as a possible emergency, in
English and Chinese (``medchat.safety.triage`` then drops a match whose clause shows the danger absent or past).

Kept apart from ``triage.py`` because it is patterns, edited far more often than the logic. Every English pattern holds
a Latin letter and every Chinese one a Han character (a test checks), so a table never reads a sentence without its
script.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Paracetamol by the names it is sold under here (NHS: 8 × 500 mg in 24 hours at most), for the patterns that count it.
PARACETAMOL = r"paracetamol|acetaminophen|tylenol|panadol|co-?codamol"
# Products that hold paracetamol beside something else (UK and US names).
# Plain paracetamol (children's Calpol too), and what is said of it taken on top of another medicine.
PARACETAMOL_ALONE = r"paracetamol|panadol|tylenol|acetaminophen|calpol"
ON_TOP = r"on top of|as well as|alongside|together with|along with|plus|with"
PARACETAMOL_COMBINED = (r"co-?codamol|co-?dydramol|lemsip|night nurse|beechams|solpadeine|nyquil|dayquil|"
                         r"tylenol (?:pm|cold)|cold and flu (?:tablets|capsules|sachets|medicine)|migraleve|zapain|solpadol")

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
EN_RED_FLAGS: dict[str, list[re.Pattern[str]]] = {
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
            r"(?:left|right) arm and (?:left |right )?leg(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:don'?t|do not|won'?t|aren'?t|not) (?:work|move|respond)\w*",
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
            r"(?<!risk of )(?<!risk of an )(?<!history of )(?<!prone to )anaphyla\w*|allergic reaction(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:breath|throat|swell|wheez|faint)",
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
            r"(?:black|tarry)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:stool|poo|poop)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,60}(?:faint|dizz|weak|pale|passed out|pass out|collaps)",
            r"(?:stool|poo|poop)s?(?:[^.!?;]){0,25}(?:black|tarry)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,80}(?:faint|dizz|pale|passed out|pass out|collaps|sweaty)",
            r"(?:press\w*|pressure|towel|cloth)(?:[^.!?;]){0,60}still (?:pouring|gushing|soaking|bleeding heavily|coming through)|still (?:pouring|gushing) (?:through|out)",
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
            r"\b(?:turning|turned|turns|going|gone|is) (?:blue|grey|gray|purple)(?! (?:inhaler|pump|puffer|tablets?|pills?))|(?:lips|face|fingers|fingertips|fingernails)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:blue|grey|gray|purple|bluish|dusky)",
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
        _rx(r"over-?dos\w*|\bod(?:'d|'ed|ed)\b|\bod\b on\b",
            r"(?:took|take|taken|swallowed|ate|eaten|had|downed)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:all|whole|entire|full|a lot|lots|too many|handful|bunch|\d{2,}(?!\d|\s?(?:mg|mcg|ml|g\b|%)))"
            r"(?:[^.!?;]|(?<=\d)\.(?=\d)){0,20}(?:pills|tablets|meds|medication|medicine|capsules|bottle|packet|box|sleeping|paracetamol|tylenol|ibuprofen|insulin)",
            r"(?:swallowed|drank|drunk|ate|eaten|ingested|chewed|licked)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,25}(?:bleach|battery|batteries|button cell|chemical|detergent|pod|"
            r"antifreeze|weed ?killer|pesticide|rat poison|poison|cleaning|drain cleaner|lamp oil|methanol|mushroom|dishwasher|laundry|washing[- ]up liquid|"
            r"white spirit|paraffin|turpentine|magnets?)",
            r"(?:took|swallowed|taken|downed)\s+(?:like |about |around |maybe |over |at least )?(?:\d{2,}|twenty|thirty|forty|fifty|a hundred)\s+(?:of\s+)?"
            r"(?:my\s+|his\s+|her\s+|their\s+|the\s+)?(?:pills|tablets|capsules|meds|paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|co-?codamol|codeine|"
            r"tramadol|oxycodone|sertraline|citalopram|fluoxetine|amitriptyline|diazepam|xanax|zopiclone|quetiapine|lithium|propranolol|sleeping)",
            r"(?:got into|found (?:him|her|them) with)(?:[^.!?;]|(?<=\d)\.(?=\d)){0,30}(?:pills|tablets|medicine|meds|bleach|chemicals)",
            # a carbon monoxide alarm asked about is no poisoning; one going off is
            r"carbon monoxide(?! (?:alarms?|detectors?)\b)|(?:carbon monoxide|\bco) (?:alarms?|detectors?) (?:is |has |was |keeps )?"
            r"(?:going off|went off|gone off|beeping|sounding|alarming)|gas (?:leak|poisoning)",
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
            r"(?:toddler|child|kid|son|daughter|baby|little one|grandson|granddaughter|\d+[- ]?(?:year|yr|month)s?[- ]old|\d+ ?(?:yo|y/o)\b)"
            r"(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}(?:ate|swallowed|got into|eaten|chewed|drank|drunk|had a (?:swig|sip|mouthful|gulp))"
            r"(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:pills?|tablets?|medicine|meds|pill ?box|capsules?|batter|bleach|detergent|pods?|vitamins|iron|"
            + PARACETAMOL + r"|ibuprofen|amitriptyline|diphenhydramine|sleeping|sleep aid|oramorph|morphine|methadone)",
            # "found grandad's Oramorph and had a swig": what was found comes before the swallowing
            r"(?:toddler|child|kid|son|daughter|baby|little one|\d+[- ]?(?:year|yr|month)s?[- ]old|\d+ ?(?:yo|y/o)\b)"
            r"(?:[^.!?]){0,30}(?:found|got hold of|got into)(?:[^.!?]){0,30}(?:oramorph|morphine|methadone|medicine|pills|tablets|"
            + PARACETAMOL + r")(?:[^.!?]){0,30}(?:had a (?:swig|sip|mouthful|gulp)|drank|swallowed|ate|chewed)",
            r"(?<!food )poison(?:ed|ing)\b",
        ),
        _rx(
            # more than 8 paracetamol a day, or double doses for days (NHS: a staggered overdose needs A&E)
            r"\b(?:9|1\d|2\d|nine|ten|eleven|twelve|fifteen|sixteen|twenty)(?: or \d+)? (?:" + PARACETAMOL + r")(?: tablets| pills)? (?:a|per|each|every) day",
            r"\b(?:double|twice the|two) doses? of (?:her |his |my |their |the )?(?:" + PARACETAMOL + r")(?:[^.!?]){0,40}(?:all week|for (?:days|a week|\d+ days|the last \d+ days)|since)",
            r"(?:rat poison|bleach|antifreeze|weed ?killer|pesticide|drain cleaner|button batter\w*|dishwasher tablet|laundry pod|detergent pod)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:ate|eaten|swallowed|drank|drunk|chewed|licked)",
            r"\b(?:drank|drunk|swallowed|sipped)\b[^.!?]{0,80}\b(?:antifreeze|bleach|weed ?killer|pesticide|drain cleaner|white spirit|methanol|screenwash)\b",
            # a drink that was not what it seemed ("drank from a bottle thinking it was water, but I think it was antifreeze")
            r"\b(?:i|we) (?:think|thought|reckon) (?:it|that) (?:was|might have been|may have been|must have been) (?:actually )?(?:antifreeze|bleach|weed ?killer|pesticide|drain cleaner|white spirit|methanol|screenwash)\b|"
            r"\b(?:turned out|turns out) (?:it|that)(?: was|'s| is) (?:actually )?(?:antifreeze|bleach|weed ?killer|pesticide|drain cleaner|white spirit|methanol|screenwash)\b",
            r"insulin(?:[^.!?;]|(?<=\d)\.(?=\d)){0,40}(?:twice|double|two doses|extra dose|too much)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:shak|sweat|confus|drowsy|faint|not making sense)",
            r"(?:taken|took|swallowed|had) (?:a load|loads|a bunch|a pile|the rest) of (?:my |his |her |their |the )?(?:pills|tablets|meds|medication|"
            r"antidepressants|sleeping (?:pills|tablets)|painkillers|box|packet|bottle|strip|pack)",
            r"(?:took|taken|swallowed|had)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,20}\b(?:a|the|my|his|her) (?:whole|entire|full) (?:strip|blister|pack|packet|box|bottle|tub)",
            # paracetamol past the daily maximum counted in tablets a day ("2 every 3 hours, so like 14 or 16 tablets in 24 hrs")
            r"\b(?:" + PARACETAMOL + r"|calpol)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}\b(?:9|1\d|2\d|nine|ten|eleven|twelve|fourteen|sixteen)\s+"
            r"(?:tablets|pills|caplets|capsules)\s+(?:in|over|within|a|per)\s+(?:24|twenty-four|a day|one day|the day|day)",
            # more than 4 g of paracetamol in a day (NHS: 4 g is the daily maximum)
            r"\b(?:[5-9]|[1-9]\d)(?:\.\d)?\s?(?:g|grams?|grammes?)\s+(?:of\s+)?(?:" + PARACETAMOL + r")\b",
            # plain paracetamol and a product that holds it, taken in the same days ("co-codamol 2 every 4 hrs AND paracetamol")
            r"\b(?:taking|took|taken|had|having|been on)\b[^.!?]{0,30}\b(?:" + PARACETAMOL_COMBINED + r")\b[^.!?]{0,60}\b(?:and|plus|with|as well as|also)\b"
            r"[^.!?]{0,30}\b(?:" + PARACETAMOL + "|" + PARACETAMOL_COMBINED + r")\b(?! in (?:it|them)\b)",  # not "a Lemsip with paracetamol in it"
            # Paracetamol taken past the daily maximum (NHS: 8 tablets of 500 mg in 24 hours): nine or more, or eight at
            # once; or a count of ten or more named after it ("paracetamol every couple of hours, about 14 since this
            # morning"). Asking whether 8 a day is allowed is not taking them.
            r"\b(?:took|taken|had|swallowed|ate|downed)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}\b(?:9|[1-9]\d|nine|ten|eleven|twelve|fifteen|"
            r"sixteen|twenty)\s+(?:x\s+)?(?:of (?:my |his |her |the )?)?(?:" + PARACETAMOL + ")",
            r"\b(?:took|taken|had|swallowed|ate|downed)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,40}\b(?:8|eight)\s+(?:x\s+)?(?:of (?:my |his |her |the )?)?"
            r"(?:" + PARACETAMOL + r")\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,30}\b(?:at once|together|in one go|"
            r"at the same time|all at)",
            r"\b(?:" + PARACETAMOL + r")\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}\b(?:had|taken|took|swallowed)\s+"
            r"(?:about |around |maybe |roughly |like )?(?:1\d|2\d|fourteen|fifteen|sixteen|twenty)\b(?!\s?(?:mg|ml|g\b|years?|yrs?|yo|months?|weeks?|days?|hours?|kg))",
            # Plain paracetamol taken on top of a product that already holds it (co-codamol, Lemsip, Night Nurse...):
            # NHS: never take two paracetamol products together; days of it add up to an overdose.
            r"\b(?:been taking|been having|been given|been giving|took|taken|had)\b[^.!?]{0,30}\b(?:" + PARACETAMOL_ALONE + r")\b"
            r"[^.!?]{0,20}\b(?:" + ON_TOP + r")\b[^.!?]{0,30}"
            r"\b(?:" + PARACETAMOL_COMBINED + r"|it|them|those)\b",
            # An opioid with a sedative or alcohol, and drowsiness: breathing can slow (NHS, CDC).
            r"\b(?:codeine|co-?codamol|tramadol|morphine|oxycodone|fentanyl|methadone|heroin|dihydrocodeine)\b(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}"
            r"\b(?:diazepam|valium|xanax|alprazolam|lorazepam|zopiclone|zolpidem|pregabalin|gabapentin|beers?|wine|vodka|alcohol|drinks|drunk)\b"
            r"[\s\S]{0,120}\b(?:drowsy|so sleepy|can'?t keep (?:my|his|her) eyes open|struggling to (?:keep|stay)|nodding off|slow breathing|"
            r"breathing (?:slow|shallow)|can'?t stay awake|won'?t wake|snor\w*|gurgl\w*)",
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
            r"(?:stiff neck|neck (?:is |was |too |so |really |very ){0,2}stiff)[^.!?]{0,80}(?:fever|temperature|temp\b|bright lights?|"
            r"light (?:hurts|hurting)|purple|blotchy)|"
            r"(?:fever|temperature|temp)[^.!?]{0,80}(?:stiff neck|neck (?:is |was |too |so |really |very ){0,2}stiff)[^.!?]{0,80}"
            r"(?:lights?|purple|blotchy|rash|confus\w*)",
            r"(?:purple|blotchy purple|dark red) (?:rash|spots|blotches)[^.!?]{0,60}(?:spreading|coming up|appeared|fever|temperature)|"
            r"(?:fever|temperature|temp)[^.!?]{0,80}(?:purple|blotchy purple) (?:rash|spots|blotches)",
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
    # NHS (burns and scalds): A&E for a burn larger than the person's hand, white or charred skin (deep burns can be
    # painless), burns to the face or airway, and every chemical or electrical burn; 999 for breathing trouble.
    "burns": [
        _rx(r"\b(?:burn|burnt|burned|scald)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}"
            r"(?:skin|area|it|burn|scald|patch|wound|middle|centre|center)(?:'s| is| looks| looking| has gone| went| turned| gone| all| really| kind of)*"
            r" (?:white|charred|black|blackened|leathery|waxy)\b|"
            r"\b(?:burn|burnt|burned|scald)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}"
            r"(?:doesn'?t|does not|don'?t|isn'?t|not) (?:even |really )?(?:hurt|painful|sore)(?! (?:any ?more|now|as much|too bad))|"
            r"\b(?:burn|burnt|burned|scald)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}(?:no|can'?t) feel(?:ing)? (?:it|anything|there)",
            r"(?:\bwhite\b|charred|blackened|leathery|waxy)(?:[^.!?]){0,40}\b(?:burn|scald)",
            r"\b(?:burn|burnt|burned|scald)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}(?:bigger|larger) than (?:his|her|my|their|your|a|the)? ?(?:hand|palm)|"
            r"\b(?:burn|burnt|burned|scald)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}(?:whole|entire|most of (?:his|her|my|their|the)) (?:arm|leg|chest|back|tummy|belly|stomach|side|thigh|front)|"
            r"\b(?:burn|burnt|burned|scald)\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,120}from (?:the |his |her |my )?(?:shoulder|elbow|knee|hip|neck|waist) (?:down )?to (?:the |his |her |my )?(?:wrist|hand|elbow|ankle|foot|knee)",
            r"(?:face|mouth|lips|throat|nose)(?:[^.!?]){0,40}\b(?:burn|burnt|burned|scald)\w*(?:[^.!?]){0,60}(?:breath|hoarse|wheez|cough\w* (?:up )?(?:black|soot))|"
            r"(?:singed|burnt|burned) (?:nose hairs?|nostril|eyebrows)|(?:smoke|fumes) inhal\w*|breathed in (?:a lot of )?smoke|coughing (?:up )?(?:black|soot)",
            r"(?:acid|bleach|drain (?:cleaner|unblocker)|unblocker|oven cleaner|descaler|caustic|lye|chemical|alkali|lime|cement)(?:[^.!?]){0,50}(?:in|into) (?:his|her|my|their|the|your|both)? ?eyes?|"
            r"(?:splash\w*|spill\w*|got)(?:[^.!?]){0,40}(?:acid|drain (?:cleaner|unblocker)|unblocker|oven cleaner|descaler|caustic|lye|chemical|alkali)(?:[^.!?]){0,60}(?:burn|blister|skin|eye)|"
            # full thickness (NHS: white or charred, leathery, A&E), said of the skin whatever burnt it
            r"\bskin\b(?:[^.!?]){0,12}\b(?:white and leathery|leathery and white|charred|blackened)\b|"
            r"chemical burn|(?:acid|caustic|alkali) burn",
            # NHS: burns on the face, hands, arms, feet, legs or genitals that blister need A&E
            r"\b(?:burn|burnt|burned|scald\w*|hot (?:tea|coffee|water|drink|oil)|boiling|(?:mug|cup|pot) of (?:tea|coffee)|"
            r"kettle)\b(?:[^.!?]){0,80}"
            r"\b(?:face|hands?|arms?|feet|foot|legs?|genitals?|chest)\b(?:[^.!?]){0,50}"
            r"(?<!small )(?<!tiny )(?<!little )(?<!one )(?<!single )(?<!no )(?<!not )\bblister\w*",
            r"electrocuted|electrical burn|(?:touched|grabbed|bit|chewed) (?:a |the |an )?(?:live|bare|exposed|frayed)? ?(?:wire|cable|socket)(?:[^.!?]){0,60}(?:burn|shock|unconscious|thrown|heart|chest)|"
            r"struck by lightning|hit by lightning|high[- ]voltage",
            ),
    ],
    # NHS (diabetic ketoacidosis; low blood sugar): high ketones with vomiting, drowsiness or deep breathing need A&E now;
    # someone having a hypo who is too drowsy to swallow or eat safely needs 999 (nothing by mouth; glucagon if prescribed).
    "diabetic": [
        _rx(r"(?:ketones? (?:are |is |of |at |reading |were |was )?(?:high|large|moderate|[2-9](?:\.\d)?\b|1\.[5-9])|ketoacidosis|\bdka\b)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:vomit\w*|being sick|been sick|throw\w* up|drows\w*|confus\w*|sleepy|"
            r"breath\w* (?:fast|deep|heavy|hard)|deep breath\w*|fast breath\w*|fruity|pear drops|nail varnish|nail polish|can'?t keep (?:anything|fluids|water) down)",
            r"(?:vomit\w*|being sick|been sick|throw\w* up|drowsy|confused|breath\w* (?:really |very |so )?(?:fast|deep|heavy)|pear drops|"
            r"can'?t keep (?:anything|fluids|water) down)(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:ketones? (?:are |is )?(?:high|large|moderate|[2-9](?:\.\d)?)|ketoacidosis|\bdka\b|"
            r"ketones? (?:meter |reading |test )?(?:says|reads|shows) (?:hi|high)\b)",
            r"(?:blood sugars?|blood glucose|sugars?|glucose|\bbg\b|\bbm\b|meter|reading)(?:[^.!?]|(?<=\d)\.(?=\d)){0,30}(?:\bhi\b|says hi|over 2\d|above 2\d|\b2[5-9](?:\.\d)?\b|\b3\d(?:\.\d)?\b|[4-6]\d\d\b)"
            r"(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:vomit\w*|being sick|been sick|throw\w* up|drows\w*|confus\w*|breath\w* (?:fast|deep|heavy)|fruity|pear drops|can'?t stay awake)",
            r"\bhypo\w*(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:(?:can'?t|cannot|unable to|not able to) swallow|too (?:drowsy|sleepy|out of it|confused|groggy) to (?:swallow|eat|drink|take)|fitting|seizure|unconscious|not responding|won'?t wake)|"
            r"(?:sugar|glucose|\bbg\b|\bbm\b)(?:[^.!?]){0,20}(?:\b[12](?:\.\d)?\b|low)(?:[^.!?]){0,60}(?:can'?t|cannot|won'?t|unable to|too (?:drowsy|sleepy) to) (?:swallow|eat|drink)",
            ),
    ],
    "unconscious": [
        _rx(r"(?:not|isn'?t|stopped|hasn'?t been) moving|man down|person down|no pulse|can'?t find (?:a |his |her )?pulse|collapsed|passed out and (?:won'?t|isn'?t|is not|not|hasn'?t)|unresponsive|unconscious|not responding|"
            r"(?:won'?t|will not|can'?t|cannot) wake (?:up|him|her|them)|not waking up|won'?t wake|no response when|not coming round|"
            r"(?:can'?t|cannot|couldn'?t) rouse|(?:won'?t|doesn'?t|does not|isn'?t) respond",
            r"(?:hit|banged|bumped|fell on|smacked) (?:my|his|her|their) head(?:[^.!?]|(?<=\d)\.(?=\d)){0,80}(?:vomit|throw\w* up|confus|drowsy|sleepy|"
            r"passed out|knocked out|blacked out|seizure|clear fluid)",
            r"knocked (?:out|unconscious)(?! (?:a|his|her|my|their|one|two|the)? ?(?:front |baby |adult |top |bottom )?(?:tooth|teeth))",
            r"(?:fell|fallen|fall|hit|banged|knocked)(?:[^.!?]|(?<=\d)\.(?=\d)){0,60}(?:drowsy|vomit\w*|throw\w* up|confus\w*|won'?t wake|passed out|"
            r"not making sense)",
            r"isn'?t waking|is not waking|(?:really |very |so |super )?(?:hard|difficult) to (?:wake|rouse)|(?:shaken|shook) (?:him|her|them)[^.!?]{0,30}(?:shout|yell)",
            # NICE traffic light, red: a floppy child, or one not responding to the people around them
            r"\b(?:is|'s|was|gone|went|seems?|looks?|very|really|so|all|completely) floppy\b|"
            r"not (?:really )?(?:responding|reacting) (?:to (?:us|me|anything|anyone|his|her|our|their))",
        ),
    ],
    # NHS: sudden, severe pain in a testicle is testicular torsion until shown otherwise: A&E now, surgery within hours.
    "testicular": [
        _rx(r"(?:sudden|severe|terrible|agonising|agonizing|excruciating|unbearable|really bad|horrendous|awful)\w*"
            r"(?:[^.!?]){0,40}(?:pain|ache|agony)(?:[^.!?]){0,25}\b(?:testic\w*|testes|scrotum|balls?|nuts?)\b",
            r"\b(?:testic\w*|testes|scrotum|balls?)\b(?:[^.!?]){0,30}(?:sudden\w*|severe\w*|agon\w*|excruciating|killing)"
            r"(?:[^.!?]){0,30}(?:pain|hurt|ache|swollen|swelling|sick|vomit)"),
    ],
    # NHS: a baby being sick green (bile) needs urgent help now; an adult's green vomit with a swollen tummy or no poo or
    # wind (bowel obstruction) is read across the message (triage_across).
    "abdominal": [
        _rx(r"\b(?:baby|newborn|\d+[- ](?:day|week|month)s?[- ]old)\b(?:[^.!?]){0,120}?(?:vomit\w*|being sick|been sick|"
            r"\bsick\b|throw\w* up|bringing up)(?:[^.!?]){0,30}\b(?:green|bile)\b"),
    ],
}

# ---------------------------------------------------------------------------------------------------------
# Chinese red flags.
_ZH_NUM = r"(?:[1-9]|1[0-2]|[一二两三四五六七八九十]|十[一二])"
_ZH_INFANT_AGE = (rf"(?:(?:一|两|1|2)个半月|(?:宝宝|孩子|婴儿|宝|女儿|儿子|娃|闺女|小孩)[，,]?(?:才|刚)?(?:(?:一|两|1|2)个月|{_ZH_NUM}(?:周|个星期)|\d{{1,2}}天|[一二三四五六七八九十几]+天)(?!以上)|{_ZH_NUM}(?:周|个星期|星期)(?:大|的)|出生{_ZH_NUM}?(?:\d{{1,2}}|[一二三四五六七八九十几]+)?(?:天|周)|"
                  r"\d{1,2}天(?:大|的)|[一二三四五六七八九十几]+天(?:大|的)|满月|(?:一|两|1|2)个月(?:大|的)|新生儿|未满(?:三|3)个月|不到(?:三|3)个月)")
_ZH_FEVER = r"(?:3[89]\.\d|(?:体温|额温|肛温|腋温|耳温|温度)[^。！？；]{0,4}3[89]|发烧|发热|高烧|低烧|体温|3[89](?:\.\d)?度|3[89](?:\.\d)?℃|40度|烫)"
ZH_RED_FLAGS: dict[str, list[re.Pattern[str]]] = {
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
            r"(?:吐血|呕血|咳血|咯血|吐了[^。！？；]{0,6}血|咳出[^。！？；]{0,6}血|吐[^。！？；]{0,8}咖啡渣|咖啡渣样)",
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
            r"(?:吃了|吞了|服了)[^。！？；]{0,8}(?:\d{2,}|[二三四五六七八九]十|一百|几十|十几|十来|十[一二三四五六七八九]|二十几)[片粒颗]",
            r"(?:吃了|吞了|服了)[^。！？；]{0,4}(?:一整盒|整盒|一整瓶|整瓶|一整板)",
            r"故意[^。！？；]{0,6}(?:吃了|吞了|服了|喝了)[^。！？；]{0,15}(?:药|片|粒|过量|安眠|农药)",
            # wild mushrooms, then vomiting or diarrhoea (国家卫生健康委员会: 误食野生菌后出现症状应立即就医)
            r"(?:野生菌|野蘑菇|毒蘑菇|毒菌|采的蘑菇|采的菌|菌子)[^。！？]{0,30}(?:吐|泻|拉肚子|晕|幻觉|看到小人|腹痛|肚子疼|抽搐)",
            r"(?:感冒灵|白加黑|快克|氨酚|维C银翘|日夜百服宁)[^。！？]{0,20}(?:吃了|喝了)[^。！？]{0,30}(?:泰诺林|对乙酰氨基酚|扑热息痛|必理通)",
            # paracetamol taken, then yellowing eyes or skin (liver damage: NHS, A&E)
            # more paracetamol a day than 4 g (NHS; 国家卫生健康委员会: 成人每日不超过 4 克): 9+ tablets, 7–8 of 650 mg,
            # two a time five or more times a day, or a double dose for days
            r"(?=[^。！？]{0,60}(?:吃了|在吃|一直|连着|已经|这几天|最近|天天|每天都))(?:对乙酰氨基酚|扑热息痛|泰诺林|必理通)[^。！？]{0,20}一天[^。！？]{0,4}(?:吃)?(?:[九十]|十[一二三四五六七八九]|1\d|[2-9]\d)片|"
            r"(?=[^。！？]{0,60}(?:吃了|在吃|一直|连着|已经|这几天|最近|天天|每天都))(?:对乙酰氨基酚|扑热息痛|泰诺林|必理通)[^。！？]{0,30}(?:一天[^。！？]{0,4}(?:吃)?(?:[七八]|七八)片[^。！？]{0,10}650|650[^。！？]{0,10}一天[^。！？]{0,4}(?:吃)?(?:[七八]|七八)片)|"
            r"(?=[^。！？]{0,60}(?:吃了|在吃|一直|连着|已经|这几天|最近|天天|每天都))(?:对乙酰氨基酚|扑热息痛|泰诺林|必理通)[^。！？]{0,30}一次(?:两|2)片[^。！？]{0,6}一天(?:四五|五|五六|六|[5-9])次|"
            r"(?:双份|两倍)[^。！？]{0,6}(?:对乙酰氨基酚|扑热息痛|泰诺林|必理通)[^。！？]{0,40}(?:一个星期|一周|好几天|[三四五六七]天|几天了)",
            r"(?:对乙酰氨基酚|扑热息痛|泰诺|百服宁|必理通|感冒灵|白加黑)[^。！？]{0,60}[。！？，,]?[^。！？]{0,30}(?:发黄|黄疸|眼白[^。！？]{0,3}黄)",
            # two paracetamol products taken together (国家药监局 and NHS: never take two at once)
            r"(?:感冒灵|白加黑|快克|氨酚|维C银翘|日夜百服宁)[^。！？]{0,40}(?:泰诺林|对乙酰氨基酚|扑热息痛|必理通)[^。！？]{0,30}(?:吃了|一起吃了|又吃了|都吃了|\d+片|[一二两三四五六七八九十]+片)|"
            r"(?:泰诺林|对乙酰氨基酚|扑热息痛|必理通)[^。！？]{0,40}(?:感冒灵|白加黑|快克|氨酚|维C银翘)[^。！？]{0,30}(?:吃了|一起吃了|又吃了|都吃了|\d+[片包]|[一二两三四五六七八九十]+[片包])",
            r"(?:消毒液|漂白剂|洗衣液|洗衣凝珠|松香水|汽油|煤油|除草剂|农药|百草枯|老鼠药)[^。！？；]{0,10}(?:喝|吃|吞|舔|咬)",
            r"(?:烧炭|煤炉|炭火|炭盆|蜂窝煤|煤球炉|火盆)[^。！？]{0,30}(?:头疼|头痛|头晕|想吐|恶心|叫不醒|昏|腿软|腿发软|没力气)",
            r"(?:喝了|吃了|吞了|误服|误食|舔了)[^。！？；]{0,8}(?:农药|百草枯|敌敌畏|老鼠药|鼠药|消毒液|84|漂白剂|洗洁精|洗衣液|电池|纽扣电池|甲醇|毒蘑菇|杀虫剂|清洁剂)",
            r"药物过量|过量服用|吃药过量|(?<!怕)(?<!担心)(?<!怕重复)(?:吃了|服了|吞了)过量的|一氧化碳(?!报警|中毒的?风险)|一氧化碳报警器[^。！？]{0,6}(?:响|叫|报警)|煤气中毒|(?:中|煤气)毒了",
            r"加起来[^。！？；]{0,8}(?:十几|二十|\d{2,}|[八九])克|(?:十几|二十几|\d{2,})克[^。！？；]{0,12}(?:对乙酰氨基酚|扑热息痛|泰诺|百服宁)",
            r"(?:安眠药|止痛药|降压药)[^。！？；]{0,8}(?:吃了一整|全吃了|吃了很多|吃光)",
            r"(?:吃了|吞了|服了)[^。！？；]{0,6}(?:一大把|一把|好多|很多|整瓶|一整瓶)?[^。！？；]{0,4}(?:布洛芬|对乙酰氨基酚|扑热息痛|安眠药|降压药|"
            r"胰岛素|阿司匹林|退烧药|感冒药|抗抑郁药)[^。！？；]{0,12}(?:\d{2,}(?![点岁号日月年]|公斤|斤|小时|分钟|毫克|mg)|[二三四五六七八九]十|几十|一整|整)",
            r"(?:孩子|小孩|宝宝|儿子|女儿)[^。！？；]{0,12}(?:吃了|吞了|误食|误服|喝了)[^。！？；]{0,12}(?:(?<!退烧)(?<!感冒)(?<!止咳)药|片|电池|洗衣|消毒|农药)",
            # 把一整盒布洛芬吞了: the amount before the verb
            r"把(?:一整盒|整盒|一整瓶|整瓶|一大把|一把|一整板|整板)[^。！？；]{0,8}(?:吞了|吃了|喝了|吃掉|吞下|全吃)",
            # 孩子把奶奶的降压药吃了: what was swallowed comes before the verb (an adult's, not 孩子把药吃了 as given)
            r"(?:孩子|小孩|宝宝|儿子|女儿|\d岁)[^。！？；]{0,12}把[^。！？；]{0,12}(?:大人|我|奶奶|爷爷|妈妈|爸爸|外婆|外公|姥姥|姥爷|老人|"
            r"床头|抽屉|柜子|桌上)[^。！？；]{0,10}(?:药|片|胶囊|电池|洗衣|消毒|农药)[^。！？；]{0,4}(?:吃了|吞了|喝了|吃掉|吞下)",
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
    "burns": [
        _rx(r"(?:烧伤|烫伤|烧着|烫着|灼伤|烫到|烧到)[^。！？；]{0,30}(?:发白|变白|白色|焦黑|发黑|变黑|焦了|不疼|不痛|没感觉|没有感觉|没知觉|大面积|一大片|整条|整个(?:手臂|胳膊|腿|后背|背|胸|肚子))|"
            r"(?:大面积|一大片|整条(?:胳膊|腿|手臂)|整个(?:手臂|胳膊|腿|后背|背|胸口|肚子))[^。！？；]{0,15}(?:烧伤|烫伤|烫了|烧了|起泡|水泡)|"
            r"(?:烧伤|烫伤)[^。！？；]{0,20}比(?:他|她|我|孩子)?(?:的)?手掌(?:还)?大",
            r"(?:烫|烧)[^。！？；]{0,20}(?:脸|手|胳膊|手臂|脚|腿|胸口|胸前|会阴|下身)[^。！？；]{0,20}"
            r"(?<!没)(?<!没有)(?<!不)(?<!小)(?:起泡|水泡|起了泡)|"
            r"(?:脸|手|胳膊|手臂|脚|腿|胸口|胸前|会阴|下身)[^。！？；]{0,6}(?:烫|烧)[^。！？；]{0,16}"
            r"(?<!没)(?<!没有)(?<!不)(?<!小)(?:起泡|水泡|起了泡)",
            r"(?:脸|面部|嘴|喉咙|鼻)[^。！？；]{0,15}(?:烧伤|烫伤|烧到)[^。！？；]{0,30}(?:呼吸|喘|声音嘶哑|咳黑)|鼻毛(?:烧焦|烧没)|吸入(?:大量)?(?:浓烟|烟雾)|呛了(?:很多|好多)?(?:浓烟|烟)",
            r"(?:硫酸|盐酸|强酸|强碱|烧碱|生石灰|石灰|洁厕灵|管道疏通剂|84消毒液|化学品|腐蚀性)[^。！？；]{0,20}(?:溅|进|弄|洒|泼)[^。！？；]{0,10}(?:眼|脸|皮肤|身上|手上)|化学(?:烧伤|灼伤)",
            r"(?:触电|被电(?:击|到))[^。！？；]{0,20}(?:晕|昏|烧|焦|黑|心|胸|抽|倒|没反应|叫不醒)|电击伤|被雷(?:击|劈)",
            ),
    ],
    "diabetic": [
        _rx(r"(?:酮症|酮体|尿酮|血酮|酸中毒)[^。！？；]{0,30}(?:呕吐|吐了|一直吐|吐个不停|意识|迷糊|昏|嗜睡|叫不醒|呼吸(?:深|快|急|重)|大口(?:喘气|呼吸)|烂苹果味|肚子疼|腹痛)|"
            r"(?:呕吐|一直吐|吐个不停|迷糊|嗜睡|呼吸(?:深|快|急))[^。！？；]{0,30}(?:尿酮|血酮|酮体)[^。！？；]{0,6}(?:高|阳性|\+\+|三个加号|[2-9])",
            r"血糖[^。！？；]{0,10}(?:HI|爆表|测不出|[2-9]\d(?:\.\d)?|很高|特别高)[^。！？；]{0,30}(?:呕吐|一直吐|吐了|意识|迷糊|昏|嗜睡|叫不醒|呼吸(?:深|快|急)|烂苹果味)",
            r"低血糖[^。！？；]{0,30}(?:咽不下|吞不下|喂不进|喝不进|叫不醒|昏迷|抽搐|意识不清|没反应|不省人事)|"
            r"血糖[^。！？；]{0,10}(?:[12](?:\.\d)?|很低|特别低)[^。！？；]{0,30}(?:咽不下|吞不下|喂不进|喝不进|叫不醒|昏迷|抽搐|意识不清|没反应)",
            r"(?:糖水|葡萄糖|糖块|果汁)[^。！？；]{0,6}(?:喂不进|咽不下|吞不下|喝不进|灌不进)",
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
    "testicular": [
        _rx(r"(?:睾丸|蛋蛋|阴囊)[^。！？；]{0,12}(?:突然|剧烈|剧|特别|非常|钻心)[^。！？；]{0,6}(?:疼|痛)|"
            r"(?:突然|剧烈)[^。！？；]{0,12}(?:睾丸|蛋蛋|阴囊)[^。！？；]{0,8}(?:疼|痛|肿)"),
    ],
    "abdominal": [
        _rx(r"(?:宝宝|婴儿|新生儿|\d+个月)[^。！？；]{0,30}(?:吐|呕吐|呕)[^。！？；]{0,10}(?:绿色|绿水|黄绿色|胆汁)"),
    ],
}
