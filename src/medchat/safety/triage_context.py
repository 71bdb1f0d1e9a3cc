"""What drops an emergency-triage red flag: the patterns that show its clause negated, past, long-standing, mild,
a figure of speech, a question about limits or people in general, a story, or an ordinary request
(``medchat.safety.triage`` asks them of each match).

Kept apart from ``triage.py`` because it is patterns, edited far more often than the logic.
"""

from __future__ import annotations

import re

from medchat.safety.dose_totals import within_ceiling
from medchat.safety.triage_red_flags import ON_TOP, PARACETAMOL, PARACETAMOL_ALONE, PARACETAMOL_COMBINED

_I = re.IGNORECASE

EN_NEGATION = re.compile(
    r"\b(?:no|not|never|without|denies|denied|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|haven'?t|hasn'?t|wouldn'?t|"
    r"free of|absence of|rule out|ruled out)\b(?:(?!\b(?:and|but|then|now|just|so)\b)[^.!?;,]){0,30}$", _I)
# A negated symptom inside the matched span ("pregnant, no bleeding and no pain").
EN_NEGATED_SYMPTOM = re.compile(r"\b(?:no|not|without|never|isn'?t|hasn'?t)\s+(?:any\s+|had\s+)?(?:bleeding|blood|pain|cramp\w*|fever|"
                                 r"temperature|chest pain|swelling|trouble|problem)", _I)
ZH_NEGATED_SYMPTOM = re.compile(r"(?:没有|没|无|不)(?:出血|流血|见红|痛|疼|发烧|发热|高烧)")
ZH_NEGATION = re.compile(r"(?:没有|没|无|不是|并非|未|不)[^。！？；，,]{0,6}$")
EN_HISTORY = re.compile(
    r"\b(?:in (?:19|20)\d\d|(?:\d+|a few|a couple of|several|many|two|three|ten) (?:years?|months?|decades?) (?:ago|back)|(?:\d+|a few|two|three) weeks ago|"
    r"last (?:term|christmas|easter|semester|spring|autumn|fall)|(?<!since )(?<!since a )(?<!told me )(?<!said )"
    r"(?:a fortnight ago|last week|"
    r"last (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))|"
    r"(?:had|suffered) (?:a|an|his|her|their) (?:\w+ ){0,2}(?:heart attack|stroke|seizure|fit|cardiac arrest|overdose) "
    r"(?:at|aged) (?:the age of )?\d{2}\b(?!\s*(?:am|pm|:|mg))|in (?:first|second|third|final) year|years? since|"
    r"as a (?:teenager|teen|student)|(?:she|he|they|i)(?:'s| is| are|'m| am) (?:fine|ok|okay|doing (?:great|well|fine)) now|"
    r"all fine in the end|kept (?:her|him|them|me) in|freshers|at (?:easter|christmas)|"
    r"in (?:her|his|their|my) (?:\d0s|thirties|forties|fifties|sixties|seventies|eighties)|"
    r"in (?:january|february|march|april|may|june|july|august|september|october|november|december)\b(?! \d)|was in hospital|were in hospital|last (?:year|month|summer|"
    r"winter|spring)|years ago|in the past|history of|previously|used to|was diagnosed|back in|as a (?:child|kid|teen)|"
    r"when (?:i|he|she|they|my \w+|our \w+) (?:was|were) (?:a |young|little|\d+|born|\w+ (?:weeks?|months?|years?) old)|"
    r"recovered|survivor|survived|passed away|died (?:of|from|after)|(?:he|she|they)(?:'s| is| are) (?:\d+|\w+ years? old) now|was admitted)\b", _I)
ZH_HISTORY = re.compile(r"(?:高中|初中|大学|上学|读书|小学)(?:时|的时候)|有段时间|那段时间|上个月|前段时间|之前|(?:个月|岁|周)大时|满月时|(?:离开|去世|走了)[^。！？]{0,6}年|\d+年前|几年前|多年前|年前|去年|前年|以前(?!(?:从来|从|都|也)?(?:没|不|未))|曾经|(?<!睡|昏|晕|死)过去(?!了)|上次|上回|得过|患过|病史|当年|小时候|那次|前几年|已经好了|康复|去世|走了|"
                         r"住过院|有过|当时|那时候|那年|岁的时候|岁时|满月的时候|未遂|生[^。！？，]{0,4}的时候|上一胎|(?:头胎|第一胎)(?:的时候|时|那次)")
# Symptoms that have gone on for weeks or years, or come back every winter, are for the GP, not 999 ("I've had a bad
# shoulder for 4 months, can't lift my arm", 手指发白发紫好多年了) — unless the message says it turned sudden or worse.
CHRONIC_MATTERS = {"cardiac", "stroke", "breathing", "bleeding", "testicular"}
EN_CHRONIC = re.compile(
    r"\bfor (?:about |around |over |nearly |almost |roughly |the (?:last|past) |a good )?(?:\d+|a few|a couple of|several|two|three|"
    r"four|five|six|seven|eight|nine|ten|many) (?:weeks|months|years)\b|\bfor (?:weeks|months|years|ages)\b|"
    r"\b(?:every|each) (?:winter|summer|year|spring|autumn)\b|\balways (?:has|had|have|gets?|got)\b|\bon and off\b|"
    r"\bsince (?:(?:i|he|she) was (?:a (?:kid|child|baby|teen\w*)|little|young|small|born)|childhood|birth)\b|"
    r"\bhappens? (?:a lot|all the time|often)\b|\bsince (?:19|20)\d\d\b|"
    r"\b(?:hasn'?t|has not|not) changed (?:at all )?(?:in|for) (?:\d+|two|three|four|five|several|many) (?:months|years)\b", _I)
ZH_CHRONIC = re.compile(r"好多年|很多年|多年了|几年了|老毛病|常年|(?:疼|痛|咳|喘|闷|麻|肿|失眠|犯|持续|反复|吃|用)了?(?:快|差不多|有)?"
                         r"(?:\d+|[一二两三四五六七八九十几半]+)(?:多)?(?:个多?月|年)|"
                         r"一到(?:冬天|夏天|天冷)|每到(?:冬天|夏天|天冷)|每年(?:冬天|夏天)?都")
EN_ACUTE = re.compile(r"\b(?:sudden(?:ly)?|worse|worst|different|out of nowhere|never (?:been |felt |had (?:it )?)?like this|today|"
                       r"this (?:morning|afternoon|evening)|tonight|now|an? (?:hour|few hours) ago|hours? ago)\b", _I)
ZH_ACUTE = re.compile(r"突然|加重|更厉害|越来越|从来没|从没|今天|今晚|现在|刚才|刚刚|小时")
# One's usual medicines and a single extra dose of one of them are questions for the pharmacist ("she takes 12
# different tablets", "took my vitamin D twice", 不小心吃了两次降压药), not an overdose, unless the amount is large
# or it is insulin.
EN_USUAL_DOSE = re.compile(r"\b(?:\d+|several|lots of|many) (?:different|kinds of|types of) (?:tablets|pills|medicines|medications|meds)\b|"
                            r"\b(?:took|taken|had|given|gave) (?:(?:my|his|her|their|the|a|an) )?(?:\w+ ){0,3}(?:twice|two times)\b|"
                            r"\b(?:double|extra|second|two) (?:dose|doses|tablet|pill)\b|\b(?:took|taken|gave|given) (?:two|2|one|1) more\b", _I)
# A container counts as an amount only as one ("a packet of", "the whole box"), not as a label ("the box says").
EN_LARGE_DOSE = re.compile(r"\b(?:whole|entire|handful|insulin|on purpose|deliberately)\b|"
                            r"\ball (?:of )?(?:my|his|her|their|the|them|these|those|\d+)\b|\b(?:them|it) all\b|"
                            r"\b(?:took|taken|swallowed|had|ate|downed|necked)\b[^.!?]{0,20}\b(?:bottle|packet|box|pack|strip|tub)s? of\b|"
                            r"\b\d{2,} (?:of (?:my|his|her|the) )?(?:pills|tablets|capsules|meds)\b", _I)
ZH_USUAL_DOSE = re.compile(r"(?:吃|服|喂)了?两次|多(?:吃|喂)了一(?:片|次|粒|顿)|又(?:吃|喂)了一(?:片|粒|次)|(?:吃|喂)重了|重复(?:吃|喂)|双倍|再吃一片")
ZH_LARGE_DOSE = re.compile(r"整瓶|整盒|一把|好多|很多|几十|十几|十来|二十几|\d{2,}片|胰岛素|降糖药|故意")
# What an ordinary request reads like when no red flag is in it: an account or a booking, a symptom of months or years,
# how often to give a medicine, "I'm not in any danger", a thank-you. The classifier, which leans wide, then needs to
# be as sure as when the rules dropped a red flag ("can't log in, my password is wrong" scored like an emergency).
EN_ORDINARY = {
    "account or booking": re.compile(
        r"\b(?:log ?in|logged in|sign ?in|password|verification code|username|my account|web ?site|the app|your app|portal|"
        r"on (?:the|your) site|booking (?:site|system|page)|book (?:an?|my|the) (?:appointment|booster|jab|vaccine)|"
        r"complaint|(?:to|i|we) complain(?! of)|refund|"
        r"referral|eligible|repeat (?:prescription|script)|visa|register(?:ed)? with|registration|sick note|fit note|"
        r"emergency contact|change of address|update (?:my|our|his|her) (?:details|address|phone number|number))\b", _I),
    "long-standing": EN_CHRONIC,
    "usual medicines": EN_USUAL_DOSE,
    "dosing question": re.compile(
        r"\bbetween (?:\w+ )?doses\b|\bhow (?:often|many hours|long) (?:can|should|do|must) (?:i|you|we) (?:give|take|wait)\b", _I),
    "says they are safe": re.compile(
        r"\bnot in (?:any )?danger\b|\b(?:would|will) never (?:hurt|harm)\b|\bnot (?:going to|gonna) do anything\b|"
        r"\b(?:not|isn'?t|is not) talking about (?:harming|hurting|killing)\b|\bi'?m (?:safe|not suicidal)\b", _I),
    "a well child": re.compile(r"\b(?:drinking|feeding|eating) (?:well|normally|fine|ok)\b|\bwet nappies\b|\bgiggl\w*|"
                               r"\b(?:playing|running around) (?:happily|normally|as usual)\b", _I),
    "a well pregnancy": re.compile(r"\b(?:baby|babies)(?:'s)? (?:is )?(?:moving|kicking) (?:as )?(?:normal(?:ly)?|fine|well|lots|"
                                    r"a lot|as usual)\b|\bmovements (?:are|have been) (?:normal|fine|good|strong|regular)\b", _I),
    "asking ahead": re.compile(r"\b(?:reading up|not born yet|for future reference|(?:stop|prevent) (?:her|him|them|it|this) "
                               r"(?:from )?(?:\w+ing )?(?:happening )?again)\b", _I),
    "over": re.compile(r"\b(?:stopped after|back to (?:normal|my usual)|healing (?:well|fine|nicely)|recovered well|passed away|"
                       r"thank you for (?:the|your|all the) (?:care|help|advice|support)|(?:it'?s|it has|has) (?:stopped|passed|gone|settled|eased) now|stopped bleeding|"
                       r"came round straight away|(?:breathing|feel(?:ing)?) (?:fine|normal|ok) (?:now|again))\b", _I),
}
EN_CHANGED = re.compile(r"\b(?:sudden(?:ly)?|worse|worst|different|out of nowhere|never (?:been|felt|had it) like this)\b", _I)
ZH_CHANGED = re.compile(r"突然|加重|不一样|从来没|从没|从未")
ZH_ORDINARY = {
    "account or booking": re.compile(r"登录|登陆|验证码|密码|账号|网站|(?i:\bapp\b)|小程序|预约|挂号|投诉|退款|发票|快递|医保|报销|注册"),
    "usual medicines": ZH_USUAL_DOSE,
    "long-standing": ZH_CHRONIC,
    "dosing question": re.compile(r"间隔多久|隔多久|多久(?:吃|喂|用)一次|一天(?:吃|喂|用)几次"),
    "says they are safe": re.compile(r"我很安全|不会做傻事|不会想不开|没有(?:想|要)(?:伤害|自杀)"),
    "a well child": re.compile(r"活蹦乱跳|精神(?:挺|很|都|也)好|能吃能喝|又玩又闹|吃喝(?:都)?(?:正常|挺好)"),
    "asking ahead": re.compile(r"提前了解|提前知道|以防万一|以后(?:万一|要是)"),
    "over": re.compile(r"止住了|已经好了|现在好了|缓过来了|恢复得(?:很|挺|不错)|去世了|(?:烧|热)(?:已经)?退了"),
}
# A day or so ago, and over now (昨天…十几分钟缓过来了。现在没事了): a past event. Narrower than ZH_ORDINARY's "over", which
# only says why a message with no red flag reads as ordinary.
ZH_DAYS_AGO = re.compile(r"昨天|昨晚|前天|前几天|上周|上星期|上个星期|那天")
ZH_OVER_NOW = re.compile(r"现在(?:已经)?(?:没事|好了|正常|恢复)|缓过来了|已经好了|恢复正常了|一切正常")
# Someone named in a sentence: a general question without one is general whoever the rest of the message mentions.
EN_SENTENCE_PERSON = re.compile(r"\b(?:i|i'?m|i'?ve|i'?d|me|my|we|we'?re|our|(?-i:us)|he|she|his|her|hers|him|he'?s|"
                                r"she'?s|it'?s|mum|mom|dad|son|daughter|baby|husband|wife|partner)\b", _I)
# Markers that the danger is back or happening now, which outweigh a history marker in the same sentence.
EN_NOW = re.compile(r"\b(?:right now|just now|at the moment|currently|tonight|this (?:morning|evening|afternoon)|"
                     r"(?:is|am|are) having|happening again|again (?:now|today|tonight)|now (?:my|his|her|i|he|she|it|they)\b(?!(?:'s| is| are|'re|'m| am) (?:\d|fine|ok|okay|doing|well|better|recovered|grown|an? adult|"
                     r"curious|wondering|interested)| (?:gets|tends|seems|needs|uses|walks|lives)\b)|"
                     r"(?:\d+|few|ten|twenty) minutes ago|now \d+ weeks|"
                     r"(?:about |around )?(?:\d+|a few|few|ten|twenty|an?|one|two|couple of) (?:min|mins|minutes|hours?|hrs?) ago|"
                     r"in the (?:last|past) (?:few |couple of )?(?:minutes|hours|hour)|since (?:yesterday|last night|this morning)|"
                     r"now there'?s|just (?:texted|messaged|called|rang|sent|posted|collapsed|took|swallowed))\b", _I)
# Fiction, performance, games and dreams: the emergency is made up, whatever the tense ("my character collapses",
# 女主正在过敏性休克), unless the message says it turned real.
_NARRATIVE_WORDS = (  # stories, shows, songs and dreams: made up, the people in them included
    r"(?<!long )story|stories|novel|character|fiction|fanfic|fan fiction|movie|(?<!cling )(?<!cling-)(?<!plastic )(?<!food )film|screenplay|script|comic|manga|song|lyrics?|"
    r"album|poem|dream\w*|tv show|the show|soap|sitcom|crime drama|tv drama|drama series|documentary|podcast|true crime|plot|villain|protagonist|narrator|chapter|my book",
    r"小说|剧本|剧情|电视剧|电影|剧里|(?<!看)动画|漫画|编剧|台词|反派|女主|男主|梦见|梦里|做梦|做了个梦")
_ACTIVITY_WORDS = (  # games, rehearsals and exercises: made-up emergencies among real people
    r"video game|scene|hypothetical(?:ly)?|d&d|dnd|tabletop|campaign|npc|larp|cosplay\w*|escape room|game design|"
    r"(?:survival|board|card|role-?playing) game|radio play|(?:the|a|school|stage) play|drama (?:club|class|lesson)|"
    r"in drama|acting out|rehears\w*|actor|actress|screenwriter|coursework|creative writing|zombie|prop",
    r"角色|游戏里|假设|假如|舞台剧|话剧|短视频|短剧|拍戏|演一场|道具|剧本杀")
FICTION = re.compile(rf"\b(?:{_NARRATIVE_WORDS[0]}|{_ACTIVITY_WORDS[0]})\b|{_NARRATIVE_WORDS[1]}|{_ACTIVITY_WORDS[1]}", _I)
NARRATIVE = re.compile(rf"\b(?:{_NARRATIVE_WORDS[0]})\b|{_NARRATIVE_WORDS[1]}", _I)
# ...unless it says it is real: "this is not part of the scene", "it's turned real", 这是我自己爸爸.
REAL = re.compile(
    r"\b(?:actually (?:collapsed|happening|happened|inhaled|choked|swallowed|stopped|fell|fainted|passed out|took|has)|"
    r"for real|this is real|it'?s real|turned real|not a drill|not (?:part of|in) the (?:scene|script|play|game|show)|"
    r"this (?:isn'?t|is not) (?:poetry|fiction|a story|a joke|a drill|hypothetical|a game)|not (?:joking|kidding)|"
    r"(?:my|his|her|our) own (?:dad|mum|mom|father|mother|son|daughter|child|kid|baby|husband|wife|partner|brother|sister|"
    r"grandad|grandpa|grandma|gran|family)|help me|please help|what do i do|ambulance)\b|"
    r"(?:现在|这次|这回)是真的|真的(?:划|割|伤|倒|晕|抽|不动|出事|吞|吃|撞|摔)|不是(?:在)?演(?:的|戏)|不是开玩笑|这是我自己|我自己的|救命", _I)
# Someone real in the picture counts against a game or rehearsal frame ("in the middle of our D&D session my mate
# suddenly started slurring"), not against a story, a show or a dream, which have people in them too.
REAL_PERSON = re.compile(r"\bmy (?:mate|friend|flatmate|housemate|roommate|colleague|dad|mum|mom|husband|wife|partner|son|"
                          r"daughter|kid|baby|brother|sister|grandad|grandma|gran|nan|boyfriend|girlfriend)\b", _I)
EN_NOW_REAL = re.compile(r"\b(?:i'?m|i am|we'?re|we are|my \w+(?: \w+)? is|my \w+'s) having\b", _I)
ZH_NOW = re.compile(r"正在|(?<![现实存好])在(?:抽搐|抽筋|吐|流血|出血|喘|昏迷)|还(?:没|没有)停|还在(?:抽|流|出|吐)|刚刚|刚才|此刻|今晚|这次(?=[^。！？]{0,6}(?:已经|又|真的|突然))|现在又|又(?:开始|出现|发作|犯)|现在(?![^。！？]{0,3}岁)(?![^。！？]{0,6}(?:挺好|很好|还好|不错|正常|稳定|没事))(?=[^。！？]{0,4}(?:突然|剧|一直|开始|正在|又|还在|叫不醒|没(?:有)?(?:呼吸|反应|意识)))|分钟前|"
                     r"今天[^。！？]{0,4}(?:吐|呕|晕|抽|迷糊|糊涂|昏)")
EN_PERSON_NOW = re.compile(
    r"\b(?:i'?m|i am|i have|i'?ve|i feel|i can'?t|i took|i think|my|me|we|he|she|they|his|her|our|someone here|"
    r"(?:he|she|it)'?s|is having|keeps?|right now)\b", _I)
ZH_PERSON_NOW = re.compile(r"我(?!们一般)|咱|孩子|宝宝|婴儿|小孩|老婆|老公|丈夫|妻子|爸|妈|爷爷|奶奶|外公|外婆|儿子|女儿|朋友|同事|姐|哥|弟|妹|家人|"
                            r"现在|正在|突然|刚才|刚刚")
EN_GENERAL = re.compile(
    r"^\s*(?:(?:at|in|on|for|by|from) )?(?:what'?s|whats|what|how|which|why|when|is|are|can|could|should|does|do|tell me|explain|list)\b[^.!?]{0,120}"
    r"\b(?:signs?|symptoms?|causes?|mean|differen\w*|treat\w*|prevent\w*|risks?|normal|recogni[sz]e|tell if|know if|spot|"
    r"happens?|do (?:if|when)|supposed to|stop|first aid|back blows|cpr|recovery position|heimlich|abdominal thrusts|help someone|use an?|work|look like|warning|smell|detect|check|tests?|dangerous|safe|"
    r"dose|counts?|much|many|long|common|overdose|possible|harmful|see a doctor)\b", _I)
EN_GENERIC_YOU = re.compile(r"^\s*(?:can|could|do|does|should|will|would|is it|are)\s+(?:you|people|someone|anyone|kids|children|"
                             r"babies|adults)\b[^.!?]*\?", _I)
ZH_GENERAL = re.compile(r"的时候[^。！？]{0,12}(?:要|应该|该|能不能|可不可以|到底)|超过几|几分钟就|怎么防止|如何防止|有哪些|(?<!还|或)是什么(?!的)|什么是|怎么判断|如何判断|怎么识别|如何识别|怎么预防|如何预防|怎么急救|如何急救|有什么(?:症状|表现|征兆|区别)|"
                         r"的(?:症状|表现|征兆)|常见(?:原因|症状)|区别|应该怎么处理|怎么处理|如何处理|怎么压迫|急救方法|有人[^。！？]{0,12}(?:时|的时候)|哪些|一般|"
                         r"怎么帮|如何帮|正常(?:体温|值|范围)|多少度算|算不算|遇到有人|碰到有人|如果有人|看到有人|要是有人|万一有人|(?:新闻|报道)[^。！？]{0,6}有人")
# "Overdose" in a pharmacist's sense: asking whether a small excess counts as one, the person well ("can you overdose on
# fish oil lol... feel totally fine", 多吃了一片会不会过量，现在没什么感觉). Dropped only without a large amount.
EN_DOSING_WORRY = re.compile(
    r"\b(?:did (?:i|he|she|we) (?:just )?overdose|is (?:that|this|it) (?:an? |too )?(?:overdose|much)|counts? as an? overdose|"
    r"what counts as an? overdose|can you overdose on|how much \w+(?: \w+)? is too much|said i overdosed|says i overdosed)\b"
    r"(?=[\s\S]*\b(?:feel(?:s|ing)? (?:totally |completely |absolutely |perfectly )?(?:fine|normal|ok|okay|great|well)|"
    r"(?:she'?s|he'?s|i'?m) (?:totally |completely )?(?:fine|ok|okay|normal)|running (?:about|around) fine|slept great)\b)", _I)
# Five tablets or more is not a small excess, however well the person feels: a paracetamol overdose feels like
# nothing for the first day (NHS: go to A&E even if you feel well).
EN_MANY_TABLETS = re.compile(
    r"(?<!more than )(?<!more then )(?<!up to )(?<!maximum of )(?<!max of )(?<!max )(?<!limit of )(?<!exceed )\b(?:[5-9]|\d{2,}|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a dozen|dozens)"
    r"(?!\s?(?:mg|mcg|g|ml)\b)\s+"  # "200 mg ibuprofen" is a strength, not 200 tablets
    r"(?:\w+\s+){0,2}(?:pills|tablets|tabs|capsules|caps|paracetamol|acetaminophen|tylenol|panadol|co-?codamol|ibuprofen|"
    r"aspirin|sleeping)\b", _I)
ZH_MANY_TABLETS = re.compile(r"(?:[5-9]|\d{2,}|[五六七八九十]|几十|十几|十来|一把)\s*(?:片|粒|颗|板)")
ZH_DOSING_WORRY = re.compile(r"(?:算不算|会不会|是不是)[^。？！]{0,4}(?:过量|中毒)(?=[\s\S]*(?:没什么感觉|没有不舒服|没啥感觉|一切正常|挺好的|没事))")
# "Overdose" as the topic of a question about limits, not a report of taking one: "what counts as an overdose", "is it
# an overdose if", "can you overdose on", "an overdose warning/level/limit", 多少算过量, 最大剂量. Dropped only for
# the word itself (not "overdosed", "took an overdose", nor any other poisoning red flag), with no large amount, no
# sign of poisoning named, and no paracetamol taken (NHS: any paracetamol overdose needs urgent care, however well
# the person feels).
# The word in any form but the past ("overdosed" reports one), and "OD on".
_EN_OVERDOSE_WORD = re.compile(r"over-?dos(?:e|es|ing)|od(?: on)?", _I)
_EN_OVERDOSE_ASKED = re.compile(
    r"\b(?:what (?:counts|is classed|is considered) as an? (?:\w+ )?overdose|is [^.!?]{0,40}\ban? (?:\w+ )?overdose|"
    r"(?:would|could|will|does|did) (?:that|it|this) (?:be|count as|make it) an? (?:\w+ )?overdose|"
    r"(?:am i|are (?:you|we)|is (?:that|this|it|he|she)) (?:\w+ )?overdosing|sign (?:that )?(?:i'?m|i am|he'?s|she'?s) overdosing|"
    r"can (?:you|u|i|people|someone|kids|children|a (?:child|baby|toddler|dog)) (?:\w+ )?(?:overdose|od) on|"
    r"could (?:i|you|we|it|that) overdose|how (?:much|many) [^.!?]{0,30}(?:overdose|too much)|"
    r"(?:would|will) (?:\d+|two|three|four|that|it|this|i|you) (?:be an? overdose|overdose)|possible to (?:overdose|od) on|"
    r"(?:overdose|od) on [^.!?]{0,25}possible|i'?ll overdose if|"
    r"(?:scared|worried|afraid|frightened|nervous|paranoid|terrified|worr(?:y|ying)|anxious|don'?t want)\b[^.!?]{0,60}\boverdos(?:e|ing)|"
    r"(?:if|when) (?:i|you|we|he|she|they) (?:take|have|give|use)[^.!?]{0,60}\b(?:it'?s|is (?:it|that)|that'?s) an? overdose|"
    r"overdoses|did (?:i|he|she|we|they|u) (?:just )?(?:overdose|od)\b(?! on [^.!?]{0,20}\d)|(?:under-?dosing or over-?dosing|over-?dosing or under-?dosing)|"
    r"overdose (?:level|limit|warning|threshold|risk|amount|alert)s?|risk of (?:an? )?overdos(?:e|ing)|"
    r"(?:called|calls|said|says|told me|reckons?) (?:it|this|that)(?: was| is| would be)? an? overdose|(?:max(?:imum)?|safe|daily) (?:dose|limit|amount))\b|"
    # The topic, not an event: a label's "in the event of an overdose", a warning, an awareness day, keeping someone
    # from one ("how do I stop myself overdosing my toddler"), whether something would "turn it into an overdose".
    r"in (?:the )?(?:event|case) of (?:an? )?overdose|overdose (?:awareness|prevention|deaths?|crisis|statistics|rates?)|"
    r"(?:stop|stopping|prevent|preventing|keep|keeping) (?:myself|yourself|himself|herself|ourselves|people|someone|"
    r"them|him|her|kids|children|(?:my|our|the) \w+) (?:from )?overdosing\b|(?:avoid|avoiding|prevent|preventing) "
    r"(?:an? |accidental )?overdos(?:e|es|ing)\b|"
    r"(?:warning|warns?|label|leaflet) (?:\w+ ){0,3}overdose|turn (?:it|this|that) into an? overdose|"
    r"are [^.!?]{0,40}\ban? (?:\w+ )?overdose (?:for|in)\b|"
    r"(?:what are|what'?s|know|learn|recogni[sz]e|spot) (?:the )?(?:signs|symptoms) of (?:an? )?overdose|"
    # Quoted from a label or leaflet: "Overdose may cause liver damage".
    r"[\"“][^\"“”]{0,150}\bover-?dos\w*[^\"“”]{0,150}[\"”]", _I)
_EN_OVERDOSE_TAKEN = re.compile(r"\b(?:took|taken|take|taking|had|swallowed|done) (?:an? |another )?(?:\w+ )?overdose\b", _I)
# A sign of poisoning, less the everyday ones: "a bit sleepy" after an antihistamine, the "blue inhaler", bright yellow
# wee after B vitamins.
_EN_POISONING_SIGNS = re.compile(
    r"(?<!a bit )(?<!a little )(?<!slightly )(?<!bit )(?<!mildly )(?<!abit )"
    r"\b(?:vomit\w*|being sick|throwing up|threw up|drows\w*|sleepy|can'?t wake|won'?t wake|unconscious|unresponsive|"
    r"confus\w*|breath\w*|seiz\w*|fitting|(?<!wee is )(?<!pee is )(?<!urine is )(?<!wee is bright )(?<!pee is bright )(?<!urine is bright )yellow|"
    r"jaundic\w*|collaps\w*|pass(?:ed|ing) out|faint\w*|slurr\w*|blue(?! (?:inhaler|pump|puffer|one|ones|tablets?|pills?))|"
    r"pinpoint|shak\w*|racing|palpitat\w*|hallucinat\w*|tummy pain|stomach pain|pain in (?:my|his|her|the) (?:side|tummy|stomach)|"
    r"dizz\w*|ringing|sweat\w*)\b", _I)
_EN_PARACETAMOL_TAKEN = re.compile(
    r"\b(?:took|taken|had|gave|given|swallowed)\b[^.!?]{0,60}\b(?:" + PARACETAMOL + r"|calpol|lemsip|night nurse|beechams)\b|"
    r"\b(?:" + PARACETAMOL + r"|calpol)\b[^.!?]{0,40}"
    r"\b(?:took|taken|had|gave|given|swallowed)\b", _I)
_ZH_OVERDOSE_ASKED = re.compile(r"(?:算不算|会不会|是不是|怎么算|多少(?:才)?算|吃多少)[^。？！]{0,6}过量|过量(?:的)?(?:标准|是多少|提示|警告)|"
                                r"救[^。？！]{0,10}过量|(?:跟|像)[^。？！]{0,8}过量一样|"
                                r"最大(?:剂)?量|一天最多|什么意思|什么梗|是一回事|有关系吗|有什么关系|[“\"「][^”\"」]{0,80}过量[^”\"」]{0,80}[”\"」]")
_ZH_POISONING_SIGNS = re.compile(r"吐|昏|叫不醒|嗜睡|想睡|犯困|抽搐|呼吸|意识|发黄|黄疸|肚子疼|腹痛|头晕|出汗|心慌|糊涂|说胡话")
_ZH_PARACETAMOL_TAKEN = re.compile(r"(?:吃了|服了|喂了|吞了)[^。！？]{0,20}(?:对乙酰氨基酚|扑热息痛|泰诺|百服宁|必理通|泰诺林|感冒灵|感冒药)|"
                                   r"(?:对乙酰氨基酚|扑热息痛|泰诺|百服宁|必理通|泰诺林)[^。！？]{0,12}(?:吃了|服了|喂了)")


EN_COMBINED = re.compile(r"\b(?:" + PARACETAMOL_COMBINED + r")\b", _I)
# Plain paracetamol taken on top of "it", "them", "those": a red flag only where a product holding it is named.
EN_ON_TOP_OF_A_PRONOUN = re.compile(r"\b(?:" + PARACETAMOL_ALONE + r")\b[^.!?]{0,20}\b(?:" + ON_TOP + r")\b"
                                    r"[^.!?]{0,30}\b(?:it|them|those)$", _I)
BARE_POISONING = re.compile(r"中毒了?|over-?dos\w*|od(?:'?d)?(?: on)?", _I)


_CHILD_INGESTION = re.compile(
    r"\b(?:toddler|baby|\d{1,2} ?(?:yo|y/o|months?|month old|year old)|(?:one|two|three|four)[- ]year[- ]old)\b[^.!?]{0,80}"
    r"(?:swallow\w*|in (?:her|his|their) mouth|got (?:into|hold of)|chew\w*)|"
    r"(?:孩子|宝宝|小孩|娃)[^。！？]{0,20}(?:误服|误食|吞了|吃了(?:我|大人|奶奶|爷爷|外婆)的)", _I)


def overdose_asked(match: str, text: str, zh: bool) -> bool:
    """The red flag is the word "overdose" (过量) in a question about limits, with nothing taken that needs help."""
    if re.search(r"故意|有意|on purpose|deliberately|intentionally", text, _I) or _CHILD_INGESTION.search(text):
        return False  # an overdose taken on purpose, or a small child who got at tablets, is never a question of limits
    if zh:
        if "过量" not in match or not _ZH_OVERDOSE_ASKED.search(text):
            return False
        return not (ZH_LARGE_DOSE.search(text) or ZH_MANY_TABLETS.search(text) or _ZH_POISONING_SIGNS.search(text)
                    or _ZH_PARACETAMOL_TAKEN.search(text))
    if not _EN_OVERDOSE_WORD.fullmatch(match.strip()) or not _EN_OVERDOSE_ASKED.search(text):
        return False
    return not (_EN_OVERDOSE_TAKEN.search(text) or EN_LARGE_DOSE.search(text) or EN_MANY_TABLETS.search(text)
                or _EN_POISONING_SIGNS.search(text) or _EN_PARACETAMOL_TAKEN.search(text))


_PARACETAMOL_NAMED = re.compile(r"\b(?:" + PARACETAMOL + "|" + PARACETAMOL_COMBINED + r")\b|对乙酰氨基酚|扑热息痛|泰诺|百服宁|必理通|"
                                r"感冒灵|白加黑|快克|氨酚|维C银翘", _I)


def within_daily_limit(match: str, text: str, zh: bool) -> bool:
    """The red flag names paracetamol (two products together, a count of tablets), yet the message gives every amount
    taken and they add up to no more than the day's ceiling, with no sign of poisoning and nothing on purpose: "a
    Lemsip (1000 mg) at 9am, then two 500 mg paracetamol at 3pm", 白加黑日片一次2片吃了2次，晚上夜片2片."""
    if not _PARACETAMOL_NAMED.search(match) or re.search(r"故意|有意|on purpose|deliberately|intentionally", text, _I):
        return False
    if (_ZH_POISONING_SIGNS if zh else _EN_POISONING_SIGNS).search(text) or re.search(r"恶心|nause|sick", text, _I):
        return False
    return within_ceiling(text, "paracetamol")


EN_MILD = re.compile(r"\b(?:mild|mildly|slight|slightly|a bit|a little|minor|small|tiny|occasional)\b", _I)
ZH_MILD = re.compile(r"轻微|有点|有一点|稍微|一点点|偶尔|小伤口|小口子|创可贴|纸划|划了一下")
MILD_MATTERS = {"cardiac", "bleeding", "breathing", "anaphylaxis"}
# Laughter makes "can't breathe", a "seizure" or "collapsing" a figure of speech, and "kill myself" a joke (the
# crisis line is cheap to show), but not a number of pills or a crushing chest: "haha I took 30 paracetamol".
EN_LAUGHTER = re.compile(r"\blol\b|\blmao\b|\bhaha\b|laugh(?:ing|ed)? so (?:hard|much)|(?:dying|died|crying) laughing|"
                          r"can'?t stop laughing|so funny|collapsed laughing|😂|🤣", _I)
ZH_LAUGHTER = re.compile(r"哈哈|笑到|笑得|笑死|😂|🤣")
LAUGHTER_MATTERS = {"breathing", "seizure", "unconscious", "self_harm"}
STRONG = re.compile(r"severe|crushing|worst|blue|grey|gray|swell|spurt|pouring|gushing|soaking through|won'?t stop|剧烈|严重|厉害|剧痛|发紫|发青|肿|止不住|喷|压榨|压迫|撕裂|石头", _I)
# For an allergy, mild swelling is mild unless the airway or the circulation is in it.
STRONG_ALLERGY = re.compile(r"throat|tongue|breath|wheez|tight|faint|dizz|severe|喉|嗓子|舌|呼吸|喘|晕|严重", _I)
# Negation words inside a match, once the phrases that are red flags themselves are taken out.
EN_ALLOWED_NEGATIONS = re.compile(
    r"can'?t|cannot|won'?t|will not|unable|(?:doesn'?t|does not|don'?t|didn'?t) (?:stop|help|work|wake|fade)|"
    r"not (?:breath|respond|mov|wak|stop|help|work|answer|feed)\w*|not making sense|"
    r"(?:don'?t|dont|do not) want to (?:live|be alive|wake up|exist|be here|go on)|without (?:waking|coming round|regaining)|"
    r"better off without|without me|not a drill|this (?:isn'?t|is not) (?:poetry|a joke|a drill|part of)|not part of|"
    r"(?:isn'?t|is not|hasn'?t|has not|not) (?:going away|gone away|easing|eased|settling|worked|helped|helping)|"
    r"isn'?t (?:breathing|responding|moving|helping|working(?! hard)|stopping|waking)|hasn'?t (?:stopped|been moving|moved|woken)|"
    r"(?:don'?t|do not|dont) think (?:he|she|they)(?:'?s| is| are)? breathing|(?:not|never) wake up|never had (?:a )?\w+ before|"
    r"no pulse|no (?:reason|point)|nobody|no one|not be here|not sure|(?:won'?t|doesn'?t|does not) (?:respond|go away|disappear)|no response|"
    r"not coming round|(?:can'?t|cannot|couldn'?t) rouse|(?:haven'?t|have not|hasn'?t|not|didn'?t) (?:felt|feel) (?:the |my )?baby", _I)
EN_NEGATION_WORD = re.compile(r"\b(?:no|not|isn'?t|aren'?t|wasn'?t|never|without|doesn'?t|don'?t|didn'?t|hasn'?t|haven'?t)\b", _I)
ZH_ALLOWED_NEGATIONS = re.compile(
    r"叫不醒|醒不过来|不醒|当时没事|不注意|没注意|没看住|当时还好|没戴|没系|没缓解|没有缓解|没效果|不动|不清|止不住|不住|不了|说不出|喘不|上不来|透不过|不能|不缓解|不吃|不止|没停|没用|不管用|没反应|没有反应|"
    r"不省人事|没感觉到|感觉不到|没有感觉到|不想|看不|抬不|动不|停不|不听使唤|不下来|不停|没了|没有了|不怎么动|没呼吸|没有呼吸|"
    r"摸不到|没脉搏|没有脉搏|没心跳|没有心跳|不利索|听不懂|不出来|没力|没有意识|不到三个月|不到3个月|未满|不活|活不|没意思|没意义|"
    r"受不了|差不多|不少|不见|不出话|不上气|不过气|没办法|不小心|控制不住|忍不住|停不下来|不知道|不确定|直不起|没有我|不应|不哭|进不去|不上来|没几天|没多久|不久|不褪色?|不退色|不是演|不是开玩笑|喂不进|咽不下|吞不下|喝不进|灌不进|测不出")
ZH_NEGATION_WORD = re.compile(r"没有|没|无|不|未")
EN_FIGURATIVE = re.compile(
    r"killing me|dying (?:to|for|of laughter|laughing)|to die for|(?:gave|give|giving) (?:me|him|her) a heart attack|"
    r"heart attack (?:lol|haha)|almost had a heart attack|nearly had a heart attack|heart ?broken|broke my heart|"
    r"kill (?:for|me now lol)|i could die|drop dead gorgeous|had me (?:having|in|on)\b|"
    r"\boverdosed on (?![^.!?]{0,30}(?:pill|tablet|med|drug|heroin|fentanyl|opioid|paracetamol|insulin|sleeping|vitamin|iron|tabs|caps|capsule|antidepress|sertraline|citalopram|fluoxetine|diazepam|\w+(?:pram|oxetine|azepam|zolam|triptyline|codone|profen|olol|pine|statin|prazole)|\d+\s?(?:mg|tabs)))|"
    r"(?:nearly|almost) (?:had|died of) a (?:stroke|heart attack)|"
    # dying of embarrassment; an "overdose" of something that is no medicine ("an overdose of screen time", "ODed on
    # caffeine" after espressos)
    r"\b(?:want(?:ed)? to|could|gonna|going to|about to|nearly|almost) die of (?:embarrassment|shame|boredom|cringe)|"
    r"\b(?:overdose|overdosed|od'?d|oded) (?:of|on) (?:\w+ ){0,2}?(?:screen ?time|tv|telly|netflix|sun(?:shine)?|sugar|"
    r"chocolate|sweets|candy|cake|carbs|memes|social media|tiktok|christmas|cuteness|drama|cheese|"
    r"caffeine(?=[^.!?]{0,40}\b(?:espressos?|coffees?|lattes?|cups?)\b))|"
    r"\b(?:phone|laptop|computer|printer|wifi|internet|router|app|car)\b[^.!?]{0,20}\b(?:having|had|has) a (?:fit|wobbly|tantrum|meltdown)|"
    r"\b(?:threw|throw|throwing|throws) a (?:fit|wobbly|tantrum|hissy)|"
    r"\bbrain (?:had|has|is having|just had) a (?:seizure|stroke|meltdown)|\bod'?d on (?![^.!?]{0,50}(?:purpose|pill|tablet|med|drug|heroin|fentanyl|opioid|"
    r"paracetamol|insulin|sleeping|tabs|caps|capsule|antidepress|sertraline|citalopram|fluoxetine|diazepam|\w+(?:pram|oxetine|azepam|zolam|triptyline|codone|profen|olol|pine|statin|prazole)|\d+\s?(?:mg|tabs)))|choking the (?:whole )?(?:laptop|computer|network|system|traffic|wifi)|"
    r"(?:went|go|going) unconscious on the (?:sofa|couch|bed)|food coma|plot twist|cliffhanger|(?:season )?finale|on the floor laughing|"
    r"\b(?:smell|stink|stench|pong)\b(?![^.!?]{0,25}\b(?:gas|smoke|fumes|chemicals?|bleach|burning))[^.!?]{0,40}can'?t breathe|(?:suspense|stress|tension|deadline|humidity|heat)\b[^.!?]{0,30}\b(?:choking|suffocating|killing) me", _I)
# An injury that happened by accident, not on purpose ("cut myself shaving", 做饭不小心烫到自己).
EN_ACCIDENT = re.compile(r"\b(?:shaving|accident(?:al(?:ly)?)?|by mistake|cooking|chopping|on the (?:kettle|oven|stove|iron|pan|hob|grill|door)|"
                          r"with (?:the|a) hammer|while (?:cooking|shaving|gardening|working|cutting))\b", _I)
ZH_ACCIDENT = re.compile(r"不小心|切菜|做饭|刮胡子|烫到|磕到")
ZH_FIGURATIVE = re.compile(r"原地|让我窒息|憋死我了|(?:双十一|双11|剁手|购物|花钱)[^。！？]{0,10}大出血|大出血[^。！？]{0,10}(?:买|花)|到(?:抽风|抽搐|窒息)|把我(?:整)?(?:抽搐|抽风|窒息)|(?<!不是)开玩笑的(?=[)）]|[，。！？,.!?]|$)|(?:跟|像)[^。！？]{0,10}似的|感觉脑子|再[^。！？]{0,10}就要|(?:网|网速|网络|电脑|手机|系统|软件|打印机)[^。！？]{0,4}抽风|上头|天气[^。！？]{0,8}(?:闷|热)得|累死|热死|冷死|气死|烦死|饿死|困死|忙死|吓死|想死你|美死|馋死|(?:要|快|气得)吐血|钱包|原地去世")
THIRD_PARTY_FICTION = re.compile(
    r"\b(?:(?<!long )story|novel|character|fiction|movie|(?<!cling )(?<!cling-)(?<!plastic )(?<!food )film|video game|scene|screenplay|script|hypothetical(?:ly)?|course|training|exam|quiz|"
    r"homework|lesson|class|textbook|presentation|poster|leaflet|assignment|essay|dissertation|"
    r"i'?m (?:a|an) (?:\w+ ){0,3}(?:nurse|doctor|paramedic|student|teacher|emt|counsell?or|therapist|pharmacist|carer|childminder|"
    r"nanny|babysitter|au pair)|"
    r"as a (?:nurse|doctor|paramedic|counsell?or|therapist)|if (?:i|you|someone|we) (?:ever|were to)|if (?:my|our|your) (?:\w+ ){1,2}(?:ever|were ever|was ever)|in case|"
    r"what should (?:i|we|you) do if (?:someone|a person|somebody)|volunteer|crisis line|helpline|social worker|"
    r"first aider|lifeguard|instructor|trainer|caregiver training|want to (?:know|learn)|(?:to|so i can) be prepared|"
    r"nclex|osce|revision|practice question|policy|i work (?:in|at|as)|nothing'?s happened|nothing has happened|"
    r"just (?:wondering|curious|heard)|out of curiosity|i'?m (?:just )?curious|documentary|podcast|in general|prepping|preparing for|getting ready for|be ready|"
    r"putting together|resources for|youth group|covered (?:it|this) in|lecture|module|pharmacology|studying for|"
    r"claim form|insurance|application|declare|footballer|celebrity|singer|on the news|in the news|news story)\b|多久[^。！？]{0,8}才|怎么防止|如何防止|怎么预防|如何预防|"
    r"提前了解|提前知道|如果有人|要是有人|万一有人|(?:怕|担心)以后|做(?:做)?功课|求科普|科普一下|学习一下|想先学习|宣传单|网上说法|以防万一|"
    r"急救课|课上|老师问|短剧|演一场|拍戏|表演|演员|小说|剧本|角色|电影|电视剧|剧里|动画|漫画|游戏里|假设|假如|如果以后|万一以后|如果将来|培训|考题|考试(?:题|里|中|会考|要考)|备考|课程|作业|志愿者|"
    r"我是[^，。！？]{0,6}(?:护士|医生|医学生|心理咨询师|咨询师|社工|老师|班主任|辅导员|学生|药师|急救员)", _I)

