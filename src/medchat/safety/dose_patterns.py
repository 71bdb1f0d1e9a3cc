"""How messages say amounts of medicine, for ``safety.dose_totals``: data, not logic (en and zh).

Each pattern reads one thing: a strength ("500mg", "30/500", "120mg/5ml"), units a dose ("2 tabs", 一次2片), doses
a day ("4 times a day", "every 4 hours", "at 8, 12, 4 and 8pm", 一天5次), a day's count ("16 tablets a day",
"Monday 6, Tuesday 10"), a weight, a child, that it was taken, or that it is only asked about or long past.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
HAN = re.compile(r"[\u4e00-\u9fff]")

EN_NUMBERS = {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "sixteen": 16,
              "twenty": 20, "twice": 2, "once": 1, "thrice": 3, "couple": 2, "a couple": 2}
ZH_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "半": 0.5}

NUM = (r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|sixteen|"
       r"twenty|[一两二三四五六七八九十]{1,3}|半)")
_RANGE = r"(?:\s?(?:or|-|to)\s?" + NUM + r")?"  # "5 or 6", "10-12": the larger is read
UNIT = (r"(?:tabs?|tablets?|caplets?|caps|capsules?|pills?|sachets?|packets?|packs?|liquicaps?|gel ?caps?|sleeptabs?|"
        r"lots|片|粒|颗|袋|包|支|丸)")
_ZH_UNIT = r"[片粒颗袋包支丸]"
_MEAL_OR_CLOCK = r"(?:\d|breakfast|lunch|tea|dinner|bed|night|noon)"

# -- strength --------------------------------------------------------------------------------------------------------
STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s?(mg|g|毫克|克)(?!\s?/\s?(?:kg|公斤))(?!/?\s?(?:\d+\s?)?(?:ml|毫升))", _I)
SLASH_STRENGTH = re.compile(r"\b(\d+(?:\.\d+)?)/(\d{3,4})\b")  # co-codamol 30/500, percocet 5/325
BARE_STRENGTH = re.compile(r"\((\d{3,4})(?: each)?\)")  # "2 tylenol ES (500)"
BARE_AFTER = re.compile(r"\s*(\d{3,4})\b(?!\s?(?:ml|kg|x|mg|g\b|毫))", _I)  # "ibuprofen 400 three times a day"
# 每毫升32毫克: the volume first
CONCENTRATION_ZH = re.compile(r"每\s?(\d+(?:\.\d+)?)?\s?(?:毫升|ml)\s?(?:含)?\s?(\d+(?:\.\d+)?)\s?(?:毫克|mg)", _I)
CONCENTRATION = re.compile(r"(\d+(?:\.\d+)?)\s?(?:mg|毫克)\s*(?:/|per|in|每)\s?(\d+(?:\.\d+)?)?\s?(?:ml|毫升)", _I)
VOLUME = re.compile(r"(?<![/\d])(\d+(?:\.\d+)?)\s?(?:ml|毫升)", _I)
IRON = re.compile(r"(?:含铁|iron|elemental)\s?(\d+(?:\.\d+)?)\s?(?:mg|毫克)|"
                  r"(\d+(?:\.\d+)?)\s?(?:mg|毫克)\s?(?:of )?(?:elemental )?iron", _I)

# -- units a dose -------------------------------------------------------------------------------------------------
# "3 x 500mg", "2 x 500"; not "2 x 4 times" (units and doses: UNITS_AT)
UNITS_X = re.compile(r"(?<![:.])\b(\d+)\s?x\s?(\d+(?:\.\d+)?)\s?(mg|g)?\b(?!\s?(?:ml|kg|times|doses|a day|daily))", _I)
UNITS_EN = re.compile(NUM + r"\s?(?:x\s?)?(?:of (?:the |my |his |her |their )?(?:\d+\s?mg )?)?"
                      r"(?:extra strength |max strength |regular )?" + UNIT + r"\b", _I)
UNITS_ZH = re.compile(r"(?:一次|每次|每回|一回)(?:吃|服|喂|用)?了?" + NUM + _ZH_UNIT
                      + r"|(?:吃了|服了|喂了|吞了|泡了?)" + NUM + _ZH_UNIT + "|" + NUM + _ZH_UNIT)
UNITS_AT = re.compile(r"(?<![\d.:/])" + NUM + r"\s+(?:more\s+)?at (?:about |around )?" + _MEAL_OR_CLOCK + "|"
                      r"(?<![\d.:/])" + NUM + r"\s+(?:x\s?)?" + NUM + r"\s+times\b", _I)  # "2 at 8am", "2 x 4 times"
UNITS_EVERY = re.compile(r"(?<![\d.:/])" + NUM + r"\s+(?:more\s+)?every\b|"
                         r"(?<![a-z])x\s?(\d{1,2})\b(?!\s?(?:mg|ml|g\b|\d))", _I)  # "2 every 4 hrs", "Lemsip x2"
AT_A_TIME = re.compile(NUM + _RANGE + r"\s?(?:" + UNIT + r"\s)?(?:at a time|at once|each time|in one go|a go)", _I)
# "took 16 " + name, "taking two 500 mg " + name
LEAD_UNITS = re.compile(r"(?:^|\s)" + NUM + r"\s+(?:x\s+)?(?:more\s+)?(?:\d+(?:\.\d+)?\s?mg\s+)?"
                        r"(?:of (?:my|the|his|her|their|them|those) (?:\d+\s?mg )?)?"
                        r"(?:extra strength |max strength |regular )?$", _I)
LEAD_UNITS_ZH = re.compile(r"(?:吃|服|喂|吞)了?" + NUM + _ZH_UNIT + "$")  # 每4个小时吃2片 + name
MORE = re.compile(r"\b(?:plus|and|then)\s+(?:another\s+)?" + NUM + r"\s+more\b|"
                  r"\b(?:plus|and|then)\s+(an?) extra (?:tablet|pill|one|capsule)\b", _I)  # "… plus 2 more"
# "the max is 8 a day", 一天最多4片: a limit read, not an amount taken (read just before a count)
LIMIT = re.compile(r"(?:max(?:imum)?|up to|more than|limit|最多|不超过|不能超过|上限)"
                   r"[^\d一两二三四五六七八九十]{0,8}$", _I)
# What ends the words before a medicine's name that belong to it ("… 4 times a day, plus 2 lemsip": "2 ").
LEAD_CUT = re.compile(r"[,，;；+。!?！？、]|\.(?!\d)|\b(?:plus|and|then|also)\b|加上?|还|又|和|及", _I)

# -- doses a day, and a day's count ---------------------------------------------------------------------------------
TIMES = re.compile(r"\b" + NUM + r"\s(?:care |carers'? )?visits\b|"
                   r"\b" + NUM + r"\s?(?:x|times)\s?(?:a day|daily|per day|today|a night|in the last 24|in 24|so far|"
                   r"yesterday|each day|every day|that day)?|\b(twice|once|thrice)\b(?! a week)|" + NUM + r"\s?doses\b|"
                   r"(?:一天|每天|一日|今天|昨天)[^。！？，,]{0,3}" + NUM + r"次|(?:吃了|喂了|服了|喝了|用了)" + NUM
                   + r"(?:次|杯|回)|" + NUM + r"次", _I)
EVERY = re.compile(r"every\s?" + NUM + r"\s?(?:h|hr|hrs|hours?)\b|every\s(?:a\s)?(couple)\sof\shours\b|"
                   r"每(?:隔)?" + NUM + r"个?(?:小时|钟头)", _I)
CLOCK_LIST = re.compile(r"\bat\s+((?:\d{1,2}(?::\d\d)?\s?(?:am|pm)?(?:\s?(?:,|and|then)\s?(?:again at\s)?)+){2,}"
                        r"\d{1,2}(?::\d\d)?\s?(?:am|pm)?)", _I)
CLOCK = re.compile(r"\d{1,2}(?::\d\d)?")
# Doses by the clock, each time counted: 7点、10点、13点、16点、19点各…; "07:00 x2, 09:00 x2"; "1g at 7.30, 1g at 10.30"
ZH_CLOCK_LIST = re.compile(r"(?:(?:凌晨|早上|上午|中午|下午|晚上|睡前)?\d{1,2}点半?(?:[、，,和及]|还有){1,2}){1,}"
                           r"(?:凌晨|早上|上午|中午|下午|晚上|睡前)?\d{1,2}点半?")
ZH_CLOCK = re.compile(r"\d{1,2}点")
CLOCK_X = re.compile(r"\b\d{1,2}(?:[:.]\d\d)?\s?(?:am|pm)?\s?-?\s?x\s?\d\b", _I)
ZH_DOSE_AT = re.compile(r"\d{1,2}点(?:半|钟)?(?:吃了|吃|又|再|各)?(?:吃了|吃)?" + NUM + _ZH_UNIT)  # 9点吃了3片，12点3片
# "6am two, 9am two, noon two": the time first, then the count
CLOCK_THEN_COUNT = re.compile(r"\b(?:\d{1,2}(?:[:.]\d\d)?\s?(?:am|pm)|noon|midday|midnight)\s+(one|two|three|four|\d)\b"
                              r"(?!\s?(?:mg|g\b|ml|hours?|hrs?|days?|am|pm))", _I)
DOSE_AT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?(g|mg)\s+at\s+\d{1,2}(?:[:.]\d\d)?(?:\s?(?:am|pm))?\b", _I)
# …and the clock times listed after one ("1 g at 1pm, 5pm and 9pm": three doses)
DOSE_AT_LIST = re.compile(DOSE_AT.pattern + r"((?:\s?(?:,|and|&)\s?(?:at\s)?\d{1,2}(?:[:.]\d\d)?\s?(?:am|pm)\b)*)", _I)
AT_TIME = re.compile(r"\bat (?:about |around )?(?:\d{1,2}(?::\d\d)?\s?(?:am|pm)?|breakfast|lunch|tea|dinner|"
                     r"bed(?:time)?|night|noon|midnight)\b", _I)
AM_PM = re.compile(r"\b\d{1,2}(?::\d\d)?\s?(?:am|pm)\b", _I)
DAY_COUNTS = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun|to|yester)day:?\s+(\d{1,2})\b(?![:.]\d)", _I)
DAILY_COUNT = re.compile(r"(?<![\d.])" + NUM + _RANGE + r"(?!\s?(?:times|x\b|doses|hours|hrs))\s?(?:" + UNIT
                         + r"\s)?(?:of (?:the |my )?(?:\d+\s?mg )?)?(?:(?!times\b|x\b)[a-z ]){0,20}?"
                         r"\b(?:a|per|each) day\b|"
                         r"(?:一天|每天)(?:吃|服)?了?(?:大概|大约|差不多|将近|约)?" + NUM + r"(?:来|多)?[片粒颗]", _I)
# A day's total said outright ("about 8 g yesterday", "4 g of paracetamol a day", 每天吃大约6克, 一共差不多7克):
# read even past 1 g, where a stated strength stops (a tablet holds at most 1 g).
_AMOUNT = r"(\d+(?:\.\d+)?)\s?(g|grams?|mg)\b"
STATED_TOTAL = re.compile(r"(?<![\d.])" + _AMOUNT + r"(?: of)?[^.!?\d;]{0,14}?\b(?:a|per|each|every) day\b|"
                          r"(?<![\d.])" + _AMOUNT + r"(?: of)?[^.!?\d;]{0,8}?\b(?:yesterday|today|in total|"
                          r"in 24 hours|since (?:this morning|yesterday))\b|"
                          r"\b(?:worked it out at|total(?:led)? (?:of )?|adds up to) (?:about |around )?"
                          + _AMOUNT + "|"
                          r"(?:每天|一天|一共|总共|昨天|今天)[^。，,；！？\d]{0,6}?(\d+(?:\.\d+)?)\s?(克|毫克|g|mg)",
                          _I)
# A whole pack's count ("finished a whole 32 pack of", "gone through a 16 pack of") just before a medicine's name.
LEAD_PACK = re.compile(r"(?:finished|gone through|went through|took|taken|had|swallowed|downed|used)\s(?:a |the |an )?"
                       r"(?:whole |entire |full )?(\d{1,3})[- ]?(?:pack|box|packet|tablet pack)s?\s(?:of\s)?"
                       r"(?:the\s)?$", _I)
# The days a total was spread over ("in two days", "over the last day and a half"): the count is divided by them.
OVER_DAYS = re.compile(r"\b(?:in|over|across)\s(?:the\s)?(?:last\s|past\s)?"
                       r"(?:(a|one|two|three|four|five|\d)\s)?days?( and a half)?\b", _I)
# A count or amount said once for the medicines named before it: "6 times each", "each one every 4 hours", 各喂了6次,
# 每种每次8毫升.
SHARED = re.compile(r"\b(?:times|doses) each\b|\beach (?:one|of them)\b|"
                    r"各(?:喂|吃|服|用|给)?了?\s?(?:\d|[一两二三四五六七八九十])|每种", _I)
# "both contain paracetamol", 都含有对乙酰氨基酚: what products hold, named again, not a medicine taken
CONTAINS = re.compile(r"\b(?:contains?|containing)\s+$|含有?$", _I)
# 一共算下来对乙酰氨基酚多少: the amount asked about, not taken
QUESTIONED = re.compile(r"\s*(?:多少|有多少|是多少|超了吗|超没超|超了没)")
# Amounts counted by the container ("two 100 ml bottles", "most of the bottle", 两瓶, 一整盒)
CONTAINER = re.compile(r"\b(?:\d+|two|three|four|five|both|whole|entire|most of (?:a|the|his|her|my))\s+(?:\S+\s+)?"
                       r"(?:bottles?|packs?|packets?|boxes|box|strips?|tubs?)\b|"
                       r"[\d一两二三四五六七八九十几]\s?[瓶盒板]|整瓶|整盒", _I)
BOTTLE = re.compile(r"\s?(?:bottle|瓶|的瓶)", _I)  # "a 200ml bottle": the container's volume, not a dose
ONE = re.compile(r"\b(?:a|an|one)\s+$", _I)  # "had a Lemsip": one unit
MISSING = re.compile(NUM + r"\s?(?:" + UNIT + r"\s)?(?:missing|gone|down)\b|少了" + NUM + r"[片粒颗]", _I)
TAKEN_COUNT = re.compile(r"\b(?:took|taken|had|swallowed|downed|done)\s+(?:about |around |like |maybe )?" + NUM + _RANGE
                         + r"\b(?!\s?(?:mg|ml|g\b|years?|hours?|hrs?|mins?|minutes?|days?|weeks?|kg|am|pm|glasses|"
                           r"pints|cans|beers|drinks))", _I)  # "I've had 16 since this morning"

# -- who, and whether it was taken ------------------------------------------------------------------------------------
WEIGHT = re.compile(r"(\d+(?:\.\d+)?)\s?(kg|kgs|公斤|千克|斤)", _I)
CHILD = re.compile(r"\b(?:\d+\s?(?:yo|y/o|year old|yr old|years old|month old|months old|mo old|months)|baby|toddler|"
                   r"infant|kid|kids|child|twins|my (?:son|daughter)|teenager|grandson|granddaughter)\b|"
                   r"宝宝|孩子|娃|小孩|儿子|女儿|\d+岁|个月", _I)
TAKEN = re.compile(r"\b(?:took|taken|had|'ve had|been (?:taking|having|doing|giving|using|on)|gave|given|giving|"
                   r"swallowed|chewed|ate|downed|drank|finished|done|i'?m (?:taking|doing|on)|doing|alternating|dosed|"
                   r"taking|having|today(?:'?s)?|yesterday|"
                   r"(?:last|past) 24 ?h(?:ou)?rs?|tonight|last night|since|so far|this morning|all (?:day|week)|"
                   r"for the (?:past|last)|in the last|round the clock|been|\d+ at (?:about |around )?\d|"
                   r"at \d{1,2}\s?(?:am|pm)|(?:i|we|she|he|they) (?:take|takes|give|gives)|over the (?:past|last)|"
                   r"\d\s?(?:g|mg) at \d|"
                   r"(?:\d+|two|three|four|five|six|seven) days of|while awake)\b|"
                   r"吃|喂|服|喝了|吞了|用了|一直|连着|这几天|今天|昨天|已经|天天", _I)
HYPOTHETICAL = re.compile(r"\b(?:can i|could i|should i|may i|is it (?:ok|okay|safe|fine) to|if i (?:take|took|had)|"
                          r"before i (?:start|take)|how many (?:can|could|should)|would it be|planning to|thinking of|"
                          r"what counts|is it like|(?:haven'?t|have not|never|not) taken any(?:thing)?|"
                          r"(?:haven'?t|not) (?:taken|had) (?:it|them) yet)\b|"
                          r"能不能|可以吃|能吃|打算|准备吃|如果|算不算|多少算|还没吃|没吃过|会怎样|会怎么样|会不会|会有什么|"
                          r"有什么后果|行不行|可不可以", _I)
PAST = re.compile(r"\b(?:in (?:19|20)\d\d|(?:\d+|a few|two|three|several) (?:years?|months?) ago|last (?:year|month)|"
                  r"(?:was|got|been) (?:treated|discharged|checked)|had (?:nac|the antidote|bloods)|years back)\b|"
                  r"\d+年前|去年|那年|当年|洗胃|治好|出院", _I)

# -- how the message is put together --------------------------------------------------------------------------------
SENTENCE_END = re.compile(r"[!?。！？\n]|\.(?!\d)")  # not the point in "0.5克" or "7.30"
# What may stand between a product and an ingredient named as what it holds: "(500mg paracetamol each)", "20ml (650mg
# acetaminophen)", （每袋含0.2克对乙酰氨基酚）.
DESCRIBED = re.compile(r"[\s(（,，]*(?:\d+(?:\.\d+)?\s?(?:ml|毫升)\s?)?[\s(（,，]*"
                       r"(?:each|every|per|每[片袋粒包]|含|contains?)?[\s(（]*"
                       r"(?:\d+(?:\.\d+)?\s?(?:mg|g|毫克|克)\s?)?(?:of\s)?[\s(（]*", _I)
