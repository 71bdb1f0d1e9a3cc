"""The harmful-request rules as data: (category, weight, pattern, also-required pattern) in English and Chinese.

A rule fires when its pattern matches and, if it names one, its second pattern matches the same message too
(an intent and its object: "without them knowing" and "in her drink"). The patterns ask for *intent*: the
writer wants to do the harmful thing (get, fake, hide, slip in, stop the insulin), so that questions about the
same drugs and situations — doses, dangers, how to report, how to tell if a note is fake — do not match.
``DETECTION`` marks those protective questions and switches off the rules that a victim or a checker could
trigger ("how can I tell if someone is slipping something into my food").

Kept apart from ``harm.py`` because it is word lists and patterns, edited far more often than the logic.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_G = r"[^.?!。？！]"  # a gap that stays inside one sentence

CONTROLLED_EN = (r"(?:oxy(?:codone|contin|s)?|percocets?|hydrocodone|vicodin|norco|fentanyl|morphine|codeine|lean|purple drank|tramadol|"
                 r"methadone|bupe|suboxone|buprenorphine|dilaudid|hydromorphone|opioids?|opiates?|painkillers?|pain pills|benzos?|"
                 r"benzodiazepines?|xanax|xannies|bars|alprazolam|valium|diazepam|klonopin|clonazepam|ativan|lorazepam|etizolam|"
                 r"adderall|ritalin|methylphenidate|vyvanse|dexedrine|modafinil|provigil|stimulants?|ketamine|special k|ghb|"
                 r"barbiturates?|nembutal|pentobarbital|ambien|zolpidem|sleeping pills|pregabalin|lyrica|gabapentin|steroids|"
                 r"anabolic|testosterone|sedatives?|tranquili[sz]ers?|phentermine|controlled (?:drugs?|meds|medications?|substances?)|"
                 r"(?:his|her|my \w+'s) (?:pills|meds|script))")
CONTROLLED_ZH = (r"(?:曲马多|可待因|止咳水|吗啡|杜冷丁|哌替啶|芬太尼|羟考酮|奥施康定|氢可酮|美沙酮|丁丙诺啡|安定|地西泮|阿普唑仑|艾司唑仑|"
                 r"氯硝西泮|劳拉西泮|三唑仑|咪达唑仑|唑吡坦|佐匹克隆|右佐匹克隆|安眠药|安眠要|镇静药|利他林|哌甲酯|专注达|莫达非尼|"
                 r"氯胺酮|K粉|k粉|ke他命|麻古|冰毒|摇头丸|笑气|γ-?羟基丁酸|精神类药|精神药品|麻醉药品|管制药|处方药|止痛药|阿片|精一|精二|一类精神|二类精神)")

_EVADE_EN = (r"(?:without (?:\w+ ){0,3}(?:knowing|noticing|finding out|suspecting|realising|realizing|getting caught|being caught|"
             r"(?:it )?being (?:detected|flagged|noticed|traced)|leaving (?:a )?(?:trace|record)|a trace|getting (?:audited|flagged|in trouble))|"
             r"so (?:that )?(?:no ?one|nobody|they|he|she|it|the (?:\w+ ){0,2}\w+|audits?|insurers?) (?:won'?t|doesn'?t|don'?t|can'?t|couldn'?t|"
             r"will not|does not|would not|never) (?:\w+ ){0,2}(?:notice|find out|catch|detect|know|see|suspect|realis|realiz|tell|spot|flag|show)|"
             r"(?:not|n'?t|never|avoid) (?:get(?:ting)?|be(?:ing)?) (?:caught|detected|flagged|audited|found out|noticed|traced)|"
             r"(?:before|until) (?:he|she|they|anyone|somebody|someone|the \w+) (?:notices|finds out|catches)|"
             r"get away with|(?:doesn'?t|does not|won'?t|wouldn'?t) (?:show up|show) (?:on|in) (?:a |an |the )?(?:standard )?"
             r"(?:autopsy|tox|toxicology|test|screen|audit|register)|undetect(?:ed|able)|untraceable|on the sly|secretly|behind (?:his|her|their|my \w+'s) back)")
_EVADE_ZH = r"(?:不被[^。？！]{0,6}(?:发现|查出|查到|抓|察觉|看出|举报|投诉)|瞒着|不留(?:记录|痕迹|疤)|不让(?:他|她|他们|人|别人|家里人)?(?:知道|发现|看出)|偷偷|背着|神不知鬼不觉|查不出|看不出来|不露馅|瞒过|躲过|规避|蒙混)"

_ASK_EN = (r"(?:how (?:do|can|could|would|should|might|to|does one|do you|do people|would someone|can someone|can you help)|"
           r"help me|teach me|show me|tell me (?:how|what|which|where|exactly)|walk me through|give me|write (?:me )?|make (?:me )?|"
           r"create|generate|draft|design|i (?:want|need|wanna|plan|am going|'m going|have) to|what(?:'s| is) the (?:best|easiest|quickest|safest|right) way|"
           r"where (?:can|do|could) i|what should i (?:say|tell|do|write)|which\b|what (?:excuse|symptoms|words)|can (?:you|i|we)|step[- ]by[- ]step)")
_ASK_ZH = r"(?:怎么|怎样|如何|咋|什么(?:药|毒|东西|办法)|有没有办法|有什么办法|教我|帮我|给我|写(?:个|一)|哪里|哪能|去哪|能不能|可不可以|要多少|多少|方法|步骤|话术|措辞)"

_PEOPLE_EN = (r"(?:him|her|them|someone|somebody|a person|people|my (?:\w+ ){0,2}(?:wife|husband|partner|boyfriend|girlfriend|ex|mum|mom|mother|"
              r"father|dad|sister|brother|son|daughter|child|kid|toddler|baby|roommate|flatmate|coworker|co-worker|colleague|boss|neighbou?r|"
              r"patient|resident|grandm\w+|grandf\w+|grandpa|grandma|in-law|teacher|classmate|friend)|(?:his|her|their|my \w+'s)|"
              r"a (?:patient|resident|coworker|colleague|classmate|girl|guy|woman|man|child|baby)|the (?:patient|resident|baby|child|old \w+))")

# The proper way asked for: rules, a procedure, one's own records, a check for bias ("what are the rules for storing
# and recording ketamine in a veterinary practice", 通过什么程序依法调取). A feature of the harm classifier of its own,
# not a guard: "按规定销毁…怎么做不被发现" names the rules to evade them. Written from harm_train_extra7 (benign 154,
# harmful 10 across the harm sets).
PROCESS = re.compile(
    r"\bwhat (?:are|is) the (?:\w+ )?(?:rules?|regulations?|law|legal requirements?|requirements?|guidance|guidelines?|"
    r"procedures?|process|policy)\b|\b(?:rules|regulations|requirements|guidance|guidelines|legal duties|obligations) "
    r"(?:for|on|about|around)\b|\bhow (?:do|should|can|would) (?:we|i) (?:legally|properly|correctly|lawfully|ethically|"
    r"appropriately)\b|\b(?:my|his|her|their) own (?:medical |health |hospital |gp )?(?:records?|notes|results|file)\b|"
    r"\bsubject access request|\bwithout discriminating|\b(?:doesn'?t|does not|don'?t|do not|won'?t) discriminate|"
    r"\b(?:test|audit|check|screen)\w* (?:\w+ ){0,3}for (?:\w+ )?bias\b|"
    r"有哪些规定|什么规定|相关规定|按(?:照)?规定|依法|合规|正规(?:流程|渠道|途径)|走什么流程|什么程序|"
    r"(?:怎么|如何)(?:依法|合法|正规|规范)|(?:本人|自己)的(?:病历|检查结果|化验单|就诊记录)", _I)

# Protective questions: a victim, a checker or a reporter asks; rules marked ``guarded`` do not fire on them.
DETECTION = re.compile(
    r"\b(?:how (?:can|do|would|could|should) (?:i|we|you|one|people|a \w+|pharmacists?|employers?) (?:tell|know) (?:if|whether|when)|"
    r"\bhow (?:can|do|would|could|should) (?:i|we|you|one|people|a \w+|pharmacists?|employers?) (?:spot|detect|check|verify|recogni[sz]e|"
    r"identify|find out) (?:if|whether|that|when|a|an|the|fake|forged|someone)|(?:signs|symptoms|warning signs) (?:that|of|someone)|"
    r"(?:is|was) (?:someone|somebody|my \w+|he|she) (?:\w+ ){0,2}(?:slipping|putting|drugging|poisoning|stealing|spiking)|"
    r"what should i do if|how (?:do|can) i (?:report|protect|stop|prevent|make sure)|report(?:ing)? (?:a|this|it|them|him|her|my)|"
    r"(?:suspect|suspected|think) (?:a|that|my|someone|somebody|the)|how to (?:spot|tell|detect|report|recogni[sz]e|check|verify|prevent|protect))"
    r"|\bhow (?:do|should|can|would) (?:i|we) (?:counsel|talk to|advise|explain|respond|support|approach|handle|deal with|manage|communicate|"
    r"document|discuss)|\b(?:is|are) (?:it|this|that|they|there) (?:\w+ ){0,3}(?:safe|legal|allowed|ethical|true|any evidence|evidence)\b|"
    r"\bcan (?:a|they|the|my) \w+ (?:legally )?(?:refuse|deny|share|tell|see)|\bwhy (?:is it|are|is) \w+ (?:dangerous|illegal|wrong)"
    r"|(?:怎么|如何|怎样)(?:知道|判断|识别|分辨|看出|发现|核实|辨别|鉴别|举报|防止|预防|保护|沟通|劝)|是不是被|会不会被|被人(?:下药|偷偷)|举报|投诉|怀疑[^。？！]{0,12}(?:伪造|造假|下药|假的)|"
    r"合法吗|违法吗|合理吗|安全吗|靠谱吗|有用吗|有没有(?:证据|用)|是真的吗|为什么|为啥|怎么维权|能申诉|怎么跟(?:病人|患者|家属)[^。？！]{0,6}(?:说|沟通|解释)|"
    r"(?:能|可以)(?:喝|吃|用)吗|(?:应该|该)怎么(?:回复|回答|处理|办)|病人(?:要求|想)|患者(?:要求|想)|纳洛酮|"
    r"\b(?:approach|respond|reply) (?:when|if|to) (?:a|my|the) (?:patient|client|customer)|\b(?:a|my) patient (?:wants|asks|asked|requests)|\bnaloxone\b"
    # Refusing, auditing, reporting, a victim's rights, the legal risk, the news (written from harm_train_extra2_*).
    r"|\bhow (?:do|can|should|would) (?:i|we) (?:politely |firmly |best )?(?:decline|refuse|say no|turn (?:it|this|them|him|her) down|push back)"
    r"|\b(?:decline|refuse) (?:and|but|while|without)\b|\bhow (?:do|does|would|can) (?:regulators|auditors|insurers|pharmacies|pharmacists|"
    r"hospitals|investigators|police|the police|inspectors|journals|editors|payers)\b|\b(?:can|could|will|would) (?:i|we|they|he|she) be "
    r"(?:sued|prosecuted|fired|charged|struck off|in trouble)|\bis (?:it|this|that) (?:\w+ ){0,2}(?:fraud|illegal|a crime|against the law)\b|"
    r"\b(?:what are )?my rights\b|\b(?:internal|billing|compliance|coding) (?:audit|review)|\bin the news\b|\blegal (?:consequences|risks?)\b|"
    r"\bpenalt(?:y|ies) for\b|\bi was (?:\w+ ){0,2}(?:enrolled|given|drugged|sedated|operated|experimented|discriminated|refused|denied)\b"
    r"|(?:怎么|如何|怎样|该怎么|要怎么)(?:委婉地?|礼貌地?)?拒绝|拒绝(?:他|她|病人|患者|对方|家属)|法律责任|(?:会|要)(?:受到|承担)?什么(?:处罚|后果)|"
    r"要求赔偿|怎么查证|(?:如何|怎么|怎样)避免|内部反映|申请[^。？！]{0,4}鉴定|如实记录|担心被牵连|被(?:人)?(?:偷偷)?(?:下药|做了|泄露|骗)|"
    r"(?:日常)?(?:检查|稽查|审核)中(?:识别|发现)|(?:怎么|如何|应该怎么)(?:跟|和)(?:他|她|孩子|病人|患者)(?:谈|聊|沟通)|应该怎么回应|怎么帮(?:他|她)|"
    r"我没(?:买|做|用)|正规(?:途径|渠道)|我该信吗|我很担心|记者|报道|常见的[^。？！]{0,8}(?:类型|手法)|"
    r"\bhonestly with my doctor\b|\bhow can i spot\b|\bwithout my consent\b"
    # A parent getting a child to take a medicine the child refuses, with no secrecy or sedative in the sentence
    # (NHS: ways to help children take medicine): not covert medication.
    r"|(?:孩子|宝宝|小孩|儿子|女儿|娃)[^。？！]{0,8}(?:不肯|不愿意?|不爱|不喜欢|拒绝|抗拒)(?:吃|喝)药(?![^。？！]*(?:偷偷|瞒|不让他知道|安眠|镇静))"
    r"|\b(?:get|help|make) (?:my|our|a|the) (?:child|toddler|baby|son|daughter|kid|little one)s? (?:to )?(?:take|swallow) "
    r"(?:his|her|their|the|a)? ?(?:medicine|medication|antibiotics?|tablets?|liquid)\b(?![^.?!]*(?:without (?:him|her|them) "
    r"know|secretly|sleep|sedat|drows))",
    _I)

# (category, weight, pattern, *also-required patterns (None: nothing more), guarded by DETECTION)
RULES_EN: list[tuple] = [
    # -- controlled drugs: getting them outside the prescriber's and pharmacist's checks
    ("controlled_drugs", 0.9, re.compile(rf"\b(?:buy|order|get|obtain|source|score|purchase|find|cop|ship|import)\b{_G}{{0,60}}\b(?:without (?:a |any |needing a |the )?"
                                          r"(?:prescription|script|rx|doctor)|no[- ](?:prescription|script|rx)|over the counter|darknet|dark ?web|"
                                          r"telegram|overseas sites?|from (?:a )?(?:dealer|plug|street))", _I),
     re.compile(CONTROLLED_EN, _I), True),
    ("controlled_drugs", 0.9, re.compile(r"\b(?:darknet|dark ?web|street (?:price|value)|vendors?|dealers?|plug)\b", _I), re.compile(CONTROLLED_EN, _I), True),
    ("controlled_drugs", 0.9, re.compile(rf"\b(?:sell|flip|trade)\b{_G}{{0,40}}\b(?:pills|tablets|patches|script|{CONTROLLED_EN})|"
                                          rf"\b(?:find|get) (?:buyers|customers)\b", _I), re.compile(CONTROLLED_EN + r"|\bpills\b|\bpatches\b", _I), True),
    ("controlled_drugs", 0.85, re.compile(rf"\b(?:what|which|how)\b{_G}{{0,40}}\b(?:say|tell|describe|symptoms|words|excuse|story|act)\b{_G}{{0,60}}"
                                           rf"\b(?:to get|so (?:they|he|she) (?:give|prescribe|write)|get (?:prescribed|a script)|prescribed|early refill|refill early|"
                                           rf"give me|gives? them)\b", _I), re.compile(CONTROLLED_EN, _I), True),
    ("controlled_drugs", 0.85, re.compile(r"\bdoctor[- ]?shop|\b(?:several|multiple|different|two|three|few) (?:different )?(?:doctors|gps|clinics|pharmacies|prescribers)\b"
                                          rf"{_G}{{0,80}}\b(?:without|not|catch|notic|database|pdmp|flag|each)", _I), re.compile(CONTROLLED_EN, _I), True),
    ("controlled_drugs", 0.85, re.compile(rf"\b(?:take|skim|steal|divert|pocket|swipe|keep)\b{_G}{{0,60}}\b(?:from|out of)\b{_G}{{0,40}}\b(?:stock|supply|bottle|cabinet|ward|"
                                          rf"register|counts?|pharmacy|script)", _I), re.compile(CONTROLLED_EN + r"|\bpills\b|\bpatches\b", _I), True),
    ("controlled_drugs", 0.8, re.compile(rf"\b(?:stock ?pile|hoard|get more|get extra|extra (?:pills|tablets))\b{_G}{{0,60}}", _I), re.compile(CONTROLLED_EN, _I), True),
    ("controlled_drugs", 0.85, re.compile(r"\bso (?:that )?i can (?:use|take|have|keep) (?:it|them|some) (?:myself|for me)|\b(?:resell|re-sell|sell it on|sell (?:it|them) at)\b|"
                                          r"\bwithout a (?:licen[cs]e|dea (?:number|registration))|\bin (?:my|his|her|their) (?:\w+ )?(?:name|names)\b[^.?!]{0,40}\b(?:collect|pick up|use)", _I),
     re.compile(CONTROLLED_EN, _I), True),
    ("controlled_drugs", 0.8, re.compile(r"\b(?:extract|cook|make|synthes\w+|brew)\b[^.?!]{0,40}\b(?:codeine|morphine|meth|dmt|ghb|fentanyl|lean|heroin|opium)\b"
                                         r"(?! (?:test|overdose|addiction|withdrawal))", _I), re.compile(_ASK_EN, _I), True),
    ("controlled_drugs", 0.8, re.compile(r"\b(?:get|stay|feel|getting) (?:high|stoned|buzzed|wasted|fucked up)\b|\brecreational(?:ly)?\b", _I),
     re.compile(CONTROLLED_EN + r"|\bpills?\b|\bdose\b|\bhow (?:much|many)\b", _I), True),
    # -- forgery of prescriptions, notes, records, results, certificates
    ("forgery", 0.9, re.compile(r"\b(?:fake|forge[ds]?|forging|falsif\w+|counterfeit|fabricat\w+|doctored|photoshop\w*|backdat\w+|"
                                r"(?:alter|change|edit|modify|tweak|update) (?:the |my |a |his |her )?(?:date|quantity|amount|number|result|diagnosis|dose|name)s?)\b[^.?!]{0,60}\b(?:prescriptions?|scripts?|sick ?notes?|doctor'?s notes?|"
                                r"medical (?:certificates?|notes?|records?|reports?|letters?|cards?)|fit(?:-| )to(?:-| )fly|vaccin\w* (?:cards?|certificates?|records?|passports?)|"
                                r"(?:test|lab|blood|urine|drug|tb|covid|pcr|hiv|mri|x-ray|scan|biopsy) (?:results?|reports?|tests?)|discharge (?:summary|letter|papers)|"
                                r"signatures?|(?:patient|health|hospital|his|her|the) (?:record|chart|notes)s?|dates? on|quantity|amount|disability (?:paperwork|forms?|claim))", _I),
     re.compile(_ASK_EN + r"|\bso (?:it|they|the)\b|\bwithout\b|\blooks? (?:legit|real|genuine|recent|official)", _I), True),
    ("forgery", 0.9, re.compile(r"\b(?:write|make|create|generate|draft|produce|give) (?:me |us )?(?:up )?(?:a |an |the )?(?:fake |false |realistic |convincing |official[- ]looking )?"
                                r"(?:sick ?note|doctor'?s note|medical (?:certificate|note|letter|excuse)|discharge summary|(?:negative|positive) (?:\w+ )?(?:test|result)|"
                                r"(?:test|lab) result|prescription|vaccination (?:card|certificate|record)|letter from (?:a|my) (?:doctor|gp|psychologist|psychiatrist|therapist))", _I),
     re.compile(r"\b(?:made[- ]up|fake|look(?:s|ing)? (?:like it came|legit|real|official|genuine)|letterhead|stamp|registration number|signed|from a clinic|"
                r"hospital|i (?:need|want) it for|for my (?:boss|employer|school|university|work|insurer|insurance)|so i (?:get|can)|without (?:actually|seeing|a visit)|"
                r"from dr\.?|medical cent(?:re|er)|clinic|surgery|excusing me|off work|time off)", _I), True),
    ("forgery", 0.85, re.compile(r"\b(?:copy|trace|imitate|replicate|fake) (?:a |the |my )?(?:doctor'?s|docter'?s|gp'?s|physician'?s|prescriber'?s) (?:signature|signture|stamp)|"
                                 r"\bprescription pads?\b[^.?!]{0,40}\b(?:found|stole|blank|use)|\bdea number format\b", _I), None, True),
    # -- methods of self-harm or suicide (also escalated as an emergency)
    ("self_harm_method", 0.95, re.compile(r"\b(?:how (?:much|many)|what (?:dose|amount|height|combination)|which (?:pills?|drugs?|combination|poison|method)|enough|"
                                          r"fatal|lethal|deadly)\b[^.?!]{0,80}\b(?:to (?:die|kill myself|end (?:my life|it)|not wake up|make sure)|kill (?:me|myself)|be fatal|"
                                          r"is fatal|fatal\b|lethal\b|deadly\b|overdose on)", _I),
     re.compile(r"\b(?:i(?:'m| am)? (?:want|planning|going|ready|decided|looking at|done)|myself|my life|this time|make sure|for me|i'?ve decided|"
                r"can'?t (?:go on|do this|take it)|peacefully|painless(?:ly)?|in (?:my|their) sleep|without it being detected|not just)", _I), False),
    ("self_harm_method", 0.95, re.compile(r"\b(?:how (?:much|many|long)|which \w+(?: \w+)?|what (?:dose|amount|height))\b[^.?!]{0,80}\bto (?:die|kill myself|end (?:my life|it all|it)|"
                                          r"not wake up|never wake up)\b|\bstarv\w+ (?:myself|themselves|yourself)\b[^.?!]{0,40}\b(?:how long|faster|before)|"
                                          r"\bhow long\b[^.?!]{0,40}\bstarv\w+ (?:myself|themselves|yourself)", _I), None, False),
    ("self_harm_method", 0.95, re.compile(r"\b(?:kill myself|end my (?:own )?life|commit suicide|take my (?:own )?life|suicide method|ways? to die|"
                                          r"die (?:peacefully|painlessly|quickly|in my sleep))\b", _I),
     re.compile(r"\b(?:how (?:do|can|could|to|would|should|much|many|long)|which|what(?:'s| is| are) the (?:best|easiest|quickest|fastest|most|least|surest)|"
                r"(?:best|easiest|quickest|fastest|surest|painless|least painful) (?:way|method)|methods?\b|enough (?:pills|tablets|to))", _I), False),
    ("self_harm_method", 0.9, re.compile(r"\b(?:cut|cutting|burn|burning|hurt|harm|scratch)(?:ing)? (?:myself|my (?:arms?|legs?|thighs?|wrists?|skin))\b|\bself[- ]harm\w*\b|"
                                         r"\b(?:my )?(?:cuts|scars|marks|burns) (?:on my|from)\b|\bwhere (?:can|should|do) i cut\b", _I),
     re.compile(r"\b(?:hide|cover|so (?:no ?one|nobody|they|my \w+) (?:\w+ )?(?:sees?|notices?|finds? out|knows?)|without (?:anyone|my \w+|them) (?:\w+ )?(?:seeing|noticing|knowing)|"
                r"doesn'?t leave (?:a )?(?:scar|mark)|no scars?|looks like an? (?:accident|cooking)|where (?:can|should|do) i cut|how to (?:cut|burn))\b", _I), False),
    ("self_harm_method", 0.9, re.compile(r"\b(?:keep|hold) (?:the )?(?:pills|tablets|it) down\b|\bso (?:it|the overdose) works\b|\bbefore (?:anyone|they|someone) (?:can )?"
                                         r"(?:find|save|stop) me\b|\bso (?:no ?one|nobody) (?:can )?(?:finds?|saves?|stops?) me\b|\bwithout (?:being )?(?:found|saved|resuscitated)\b", _I), None, False),
    # -- harming someone else
    ("harm_others", 0.95, re.compile(r"\b(?:put|slip|add|crush|mix|dissolve|spike|lace|sneak|hide|grind|swap|switch|replace)\b[^.?!]{0,60}\b(?:in|into|with|for)\b[^.?!]{0,30}"
                                     r"\b(?:drinks?|food|meals?|tea|coffee|punch|juice|water|milk|bottle|dinner|lunch|iv|drip|bag|sugar pills|placebos?|vitamins?|"
                                     r"(?:his|her|their) (?:pills|meds|medications?|tablets|insulin))\b", _I),
     re.compile(_EVADE_EN + r"|\b(?:so (?:she|he|they) (?:\w+ ){0,2}(?:sleep|sick|ill|vomit|pass out|miss|miscarr|unstable|can'?t)|make (?:\w+ ){0,3}(?:sick|ill|sleep|drowsy|high|unstable)|"
                r"knock \w+ out|how much|what dissolves|tasteless|without (?:her|his|their) (?:knowledge|consent)|so (?:she|he) doesn'?t|she refuses|he refuses|"
                r"i don'?t care)", _I), True),
    ("harm_others", 0.9, re.compile(rf"\b(?:poison|drug|sedate|roofie|dose|spike)\b (?:{_PEOPLE_EN})\b|\b(?:make|get) (?:{_PEOPLE_EN}) (?:\w+ ){{0,3}}"
                                    r"(?:sick|ill|vomit|pass out|sleep through|high|drowsy|unconscious|miscarr\w*|bleed|have a heart attack|go into a coma)\b|"
                                    rf"\bknock (?:{_PEOPLE_EN}) out\b|\b(?<!could )(?<!gonna )(?<!'d )(?:kill|murder|hurt|harm|injure|cripple|blind|paraly[sz]e) (?:{_PEOPLE_EN})\b", _I),
     re.compile(r"\bhow (?:do|can|could|would|should|to) (?:i|we|you|one|someone)\b|\bwhat (?:dose|amount|would|should|can)\b|\bhow (?:much|many)\b[^.?!]{0,30}"
                r"\b(?:would (?:it )?(?:take|kill|make)|to (?:kill|make|put)|does it take)\b|\bwhich (?:drug|pill|poison|medication|chemical)|\bdose\b|\bpoison\w*\b|" + _EVADE_EN, _I), True),
    ("harm_others", 0.9, re.compile(r"\b(?:cause|induce|bring on|trigger) (?:a )?(?:miscarriage|abortion|heart attack|overdose|seizure|coma|stroke|bleed\w*)\b", _I),
     re.compile(r"\b(?:her|his|their|someone|somebody|my (?:\w+ ){0,2}(?:ex|wife|girlfriend|partner|sister|boss|coworker|patient)|without|slip|slipped|tea|drink|food|secretly)\b", _I), True),
    ("harm_others", 0.9, re.compile(r"\b(?:poison|toxin|drug|substance|method)\b[^.?!]{0,60}\b(?:looks? like (?:a )?natural|natural death|doesn'?t show|won'?t show|untraceable|"
                                    r"undetectable|not (?:show|detected) (?:up )?(?:on|in)|kill (?:the|a) patient|to kill)", _I), None, True),
    ("harm_others", 0.9, re.compile(rf"\bput (?:{_PEOPLE_EN}|my (?:\w+ ){{0,2}}\w+) (?:\w+ ){{0,3}}into a coma|\bkill (?:a|the|my neighbou?r'?s?|their|his|her) (?:dog|cat|pet)|"
                                    r"\b(?:alter|tamper with|weaken|dilute|swap)\b[^.?!]{0,60}\b(?:medication|meds|pills|prescription|insulin|inhaler)\b[^.?!]{0,60}"
                                    r"\b(?:so it (?:doesn'?t|won'?t) work|i hate|so (?:he|she|they) (?:gets? )?(?:sick|worse))", _I), None, True),
    ("harm_others", 0.85, re.compile(r"\b(?:contaminate|poison|tamper with)\b[^.?!]{0,40}\b(?:food|buffet|water|drinks?|canteen|cafeteria|supply|medicine|meds|pills)", _I),
     re.compile(_ASK_EN, _I), True),
    ("harm_others", 0.85, re.compile(r"\b(?:double|extra|more|higher dose|overdose|increase)\b[^.?!]{0,60}\b(?:so (?:she|he|they) (?:\w+ ){0,2}(?:sleep|quiet|stop|shut)|"
                                     r"to (?:shut (?:her|him|them) up|keep (?:her|him|them) quiet|make (?:her|him|them) (?:sleep|quiet|calm))|knock (?:her|him|them) out|just sleeps)", _I),
     None, True),
    # -- deceiving patients, insurers, employers, regulators
    ("deception", 0.9, re.compile(r"\b(?:bill|code|charge|claim|invoice)\b[^.?!]{0,80}\b(?:(?:never|not|didn'?t|weren'?t|wasn'?t) (?:actually )?(?:ran|run|done|performed|given|happen|"
                                  r"provided|needed)|as (?:medically necessary|extended|longer|more complex|\w+ consultations?)|so (?:the )?insur\w+ (?:pays|reimburses|covers)|"
                                  r"pays? more|upcod)", _I), None, True),
    ("deception", 0.9, re.compile(r"\bupcod\w*|\bphantom billing\b|\binsurance fraud\b(?!\s+(?:hotline|report))|\bpad (?:the|our) (?:bills?|claims?)", _I),
     re.compile(_ASK_EN, _I), True),
    ("deception", 0.9, re.compile(r"\b(?:hide|conceal|lie about|cover up|not (?:disclose|mention|declare)|don'?t (?:disclose|mention|declare)|keep)\b[^.?!]{0,50}"
                                  r"\b(?:smok\w+|pre-?existing|diagnos\w+|condition|drinking|drug use|hiv|illness|cancer|mistake|error|the (?:overdose|death|fall))\b", _I),
     re.compile(r"\b(?:insur\w+|underwrit\w+|policy|premium|claim|application|medical exam|from (?:him|her|them|the patient|the family|my patient)|"
                r"so (?:he|she|they) keeps?|paying|complaint|lawsuit|sue|regulator|inspector|coroner|audit)", _I), True),
    ("deception", 0.9, re.compile(r"\b(?:exaggerat\w*|fake|feign\w*|pretend(?:ing)? to (?:have|be)|make up|invent|play up|stage a|put on)\b[^.?!]{0,60}"
                                  r"\b(?:symptoms?|illness|injur\w+|disabilit\w+|pain|sick|whiplash|slip and fall|fall|accident|condition|depression|adhd)", _I),
     re.compile(r"\b(?:assessment|benefits?|claims?|compensation|payout|sick (?:leave|pay|note)|time off|insurance|settlement|rating|tribunal|lawsuit|"
                r"get (?:a|the) (?:note|diagnosis|prescription|payout)|back (?:it|me) up|so i (?:get|can)|even though i can)\b", _I), True),
    ("deception", 0.85, re.compile(r"\bmake (?:my |the |a )?(?:urine|blood|stool|drug|test|lab)? ?(?:sample|test|results?|scan)s? (?:look|show|come back|read)\b", _I), None, True),
    ("deception", 0.85, re.compile(r"\b(?:fake|invented|made[- ]up|fabricated|false) (?:patient )?(?:reviews?|testimonials?|success stories|case studies|before[- ]and[- ]after)|"
                                   r"\b(?:convince|persuade|make|scare|pressure|get)\b[^.?!]{0,40}\b(?:patients?|people|them|her|him|clients?)\b[^.?!]{0,40}"
                                   r"\b(?:need|must have|have to (?:have|do|buy))\b[^.?!]{0,60}\b(?:when|even though|really|actually|isn'?t|don'?t|unnecessary|only need)|"
                                   r"\bupsell\b[^.?!]{0,40}\bunnecessary|\bmake (?:normal|benign|healthy) [^.?!]{0,30} look (?:worse|bad|malignant|abnormal)", _I), None, True),
    ("deception", 0.85, re.compile(r"\b(?:tell|say|claim|convince)\b[^.?!]{0,60}\b(?:malignant|cancer|serious|worse)\b[^.?!]{0,60}\b(?:actually|really|but it'?s|though it'?s|"
                                   r"benign|isn'?t|so (?:she|he|they) (?:\w+ ){0,2}(?:buys?|pays?|books?|does|has|gets))", _I), None, True),
    # -- dangerous "treatments"
    ("dangerous_treatment", 0.9, re.compile(r"\b(?:drink|ingest|swallow|take|give|dose|administer|gargle|inject|use|mix|prepare|make)\b[^.?!]{0,40}\b(?:bleach|mms|miracle mineral|chlorine dioxide|"
                                            r"hydrogen peroxide|turpentine|kerosene|gasoline|petrol|colloidal silver|borax|urine|methanol|antifreeze|"
                                            r"apricot kernels?|bitter almonds?|laetrile)\b|"
                                            # the other order: "how much MMS should I give my son"
                                            r"\b(?:bleach|mms|miracle mineral solution|chlorine dioxide|turpentine|kerosene|colloidal silver|borax|"
                                            r"methanol|antifreeze|laetrile)\b[^.?!]{0,40}\b(?:drink|ingest|swallow|take|give|dose|administer|gargle|"
                                            r"inject)\b", _I),
     re.compile(r"\b(?:how much|dose|dosage|protocol|per day|daily|cure|treat|instead|replace|cleanse|detox|start(?:ing)? with|mix|recipe|enema|parasites|worms|"
                r"how (?:do|should|can) i|how to)\b", _I), True),
    ("dangerous_treatment", 0.9, re.compile(r"\b(?:stop|quit|skip|withhold|cut out|drop|taper off|get (?:him|her|them|my \w+) off)\b[^.?!]{0,40}\b(?:insulin|chemo\w*|"
                                            r"anti-?(?:epileptic|seizure|retroviral|coagulant|depressant|psychotic)s?|arvs?|seizure meds?|dialysis|his meds|her meds|medication|medicine|treatment|"
                                            r"blood thinners?|warfarin|lithium|inhalers?|steroids|thyroid \w+)\b", _I),
     re.compile(r"\b(?:heal (?:itself|naturally|on its own)|naturally|cure|instead|replace|juice|fasting|herbs?|supplements?|prayer|faith|learn to heal|"
                r"the body can|alternative|detox|without (?:the )?(?:doctor|telling)|even though (?:the|his|her|my) doctor|doctor (?:says|wants|recommends))\b", _I), True),
    ("dangerous_treatment", 0.9, re.compile(r"\b(?:instead of|replace|rather than|in place of|swap)\b[^.?!]{0,30}\b(?:chemo\w*|insulin|antibiotics|surgery|radiation|"
                                            r"vaccines?|seizure (?:meds|medication)|antiretrovirals|the transplant|(?:his|her|their|the|my \w+'s) (?:meds|medications?|medicine|treatment)|warfarin|blood thinners)\b", _I),
     re.compile(r"\b(?:how (?:do|should|can|long) i|how long|protocol|dose|doses|dosage|how much|plan|schedule|step|make|treat (?:her|him|them|my)|regimen|replace)\b", _I), True),
    ("dangerous_treatment", 0.9, re.compile(r"\b(?:myself|my own|at home|diy|home kit|by myself|on my own|on him|on her|on my \w+)\b[^.?!]{0,60}"
                                            r"\b(?:stitch|suture|sew|pull (?:out )?(?:my|a|the) (?:own )?(?:tooth|teeth)|extract (?:a|my|the) tooth|fill(?:ing)? (?:my|a) tooth|"
                                            r"tooth filling|remove (?:a |my |the )?(?:cyst|mole|lump|lipoma|tumou?r|skin cancer)|circumcis\w+|abortion|"
                                            r"inject (?:silicone|filler|botox|hyaluronic)|fecal transplant|drain (?:an|the|my) abscess|set (?:a|my|the) (?:broken )?bone)", _I),
     re.compile(_ASK_EN + r"|\bsteps?\b|\bprocedure\b|\bnumb\b", _I), True),
    ("dangerous_treatment", 0.9, re.compile(r"\b(?:stitch|suture|sew|pull|extract|remove|circumcis\w+|inject|drain|cut out|lance)\b[^.?!]{0,60}\b(?:myself|my own|at home|"
                                            r"diy|home kit|pliers|sewing thread|needle and thread|scalpel|razor|kitchen knife|so i don'?t have to (?:go|see))", _I),
     re.compile(_ASK_EN + r"|\bsteps?\b|\bprocedure\b|\bnumb\b", _I), True),
    # -- unethical experimentation
    ("unethical_experimentation", 0.9, re.compile(r"\b(?:without|no|skip|avoid|bypass|get around|dodge)\b[^.?!]{0,30}\b(?:consent|telling them|telling the|asking them|"
                                                  r"their knowledge|knowing|irb|ethics (?:approval|review|committee|board)|ethical review|guardians?|"
                                                  r"the consent requirements)\b", _I),
     re.compile(r"\b(?:trial|study|experiment|test|research|enrol\w*|recruit\w*|samples?|dna|data|residents|inmates|participants|subjects|placebo|dose on)\b", _I), True),
    ("unethical_experimentation", 0.9, re.compile(r"\b(?:hide|conceal|not report|delay report\w*|under-?report|drop|exclude|remove|bury|suppress|sit on)\b[^.?!]{0,40}"
                                                  r"\b(?:deaths?|adverse events?|side effects|saes?|patients with (?:side effects|adverse)|bad results|safety signals?)\b", _I),
     re.compile(r"\b(?:trial|study|data(?:set)?|dsmb|board|monitoring|approval|fda|regulator|sponsor|investigator|drug looks?)\b", _I), True),
    ("unethical_experimentation", 0.9, re.compile(r"\b(?:fabricat\w+|invent|make up|fake|falsify|backdate)\b[^.?!]{0,40}\b(?:follow-?up|visits|data|patients|results|"
                                                  r"enrol\w*|consent forms?|subjects|participants|case report)", _I), None, True),
    ("unethical_experimentation", 0.85, re.compile(r"\b(?:test|try|trial|experiment)\b[^.?!]{0,40}\b(?:on (?:the )?(?:residents|patients|prisoners|inmates|homeless|"
                                                   r"children|kids|my patients|them|icu patients))\b", _I),
     re.compile(r"\bwithout (?:telling|asking|their|consent|them)|\bsecretly\b|\bnot (?:tell|ask)|\bso they don'?t (?:read|know|notice)|\bwon'?t know", _I), True),
    ("unethical_experimentation", 0.85, re.compile(r"\b(?:so (?:they|he|she) (?:don'?t|won'?t|do not) (?:read|understand|notice|ask)|(?:pressure|push|coerce)\b[^.?!]{0,30}"
                                                   r"\b(?:investigator|participants|patients)\b[^.?!]{0,30}\b(?:not|into)|avoid the consent)", _I),
     re.compile(r"\b(?:trial|study|risk|consent|enrol|recruit|participants|deaths)\b", _I), True),
    # -- discrimination in care
    ("discrimination", 0.9, re.compile(r"\b(?:refuse|turn away|turn down|avoid (?:taking|treating|seeing|serving)|not (?:treat|serve|see|accept|take)|deny|screen out|"
                                       r"reject|get rid of|keep out|filter out|weed out|deprioriti[sz]e|lower priority|(?:seen|treated|served) last|"
                                       r"make (?:them|\w+ patients) (?:feel )?unwelcome|discourage|quietly identify|report them instead|less pain|"
                                       r"give (?:less|lower)|don'?t want|avoid (?:prescribing|treating|seeing|taking|admitting|giving)|exclude|reject\w*)\b", _I),
     re.compile(r"\b(?:black|african|asian|hispanic|latin[oax]|muslims?|jew(?:s|ish)|immigrants?|undocumented|refugees?|migrants?|transgender|trans|"
                r"gay|lesbians?|queer|homosexual|hiv|aids|hepatitis|medicaid|welfare|benefits|disabled|disabilit\w+|wheelchair|over \d\d|elderly|old people|"
                r"obese|overweight|fat|methadone|drug users?|addicts|mentally ill|psychiatric|schizophreni\w+|sex workers?|ethnic|minorit\w+|roma|"
                r"(?:don'?t|do not|no) speak (?:any )?english|non-english|single women|unmarried|religio\w+|caste|poor|homeless)\b", _I),
      re.compile(r"\bhow (?:can|do|should|could|would) (?:we|i|our|a (?:pharmacy|clinic|practice|dentist))\b|\b(?:our|my) (?:clinic|pharmacy|practice|hospital|"
                 r"care home|fertility clinic|surgery|ward|department|dental office|intake form)\b|\bi'?m an? (?:gp|doctor|dentist|nurse|pharmacist|manager|receptionist)\b|"
                 r"\b(?:write|draft) (?:a|an|the) (?:policy|email|notice|letter|memo|script|rule)|\bintake form\b|\bwithout (?:it|putting|stating|getting|looking)|"
                 r"legal(?:ly)?-sounding|\blooks? like\b|\bquietly\b|\bwhat'?s the (?:adjusted )?dose\b|\bcriteria\b|\bhelp me\b|\bphrase it\b|\bcan'?t complain\b"), True),
    # -- privacy violations
    ("privacy_violation", 0.9, re.compile(r"\b(?:access|get|see|find out|look up|check|pull|obtain|read|view|peek at|snoop|get hold of|find)\b[^.?!]{0,40}"
                                          r"\b(?:(?:his|her|their|someone'?s|somebody'?s|an? (?:employee|patient|colleague|coworker|neighbou?r|celebrity)'?s|"
                                          r"my (?:\w+ ){0,2}(?:boyfriend|girlfriend|husband|wife|partner|ex|neighbou?r|employee|staff|coworker|colleague|daughter|son|teen\w*|"
                                          r"sister|brother|mother|father|mum|mom|dad|friend|tenant|boss)'?s?) )(?:\w+ ){0,3}(?:records?|results?|charts?|files?|history|"
                                          r"prescriptions?|diagnos\w+|tests?|notes|meds|medications|gp records|scans?)", _I),
     re.compile(_EVADE_EN + r"|\b(?:without (?:her|his|their|them) (?:\w+ )?(?:knowing|consent|permission|knowledge)|while (?:he|she)'?s (?:asleep|sleeping|out)|"
                r"(?:his|her) phone|pretend|hack|password|login|i think (?:she|he)'?s hiding|suing|lawsuit|so i can|employee|neighbou?r|ex\b|celebrity|"
                r"tabloid|from (?:her|his) doctor)", _I), True),
    ("privacy_violation", 0.9, re.compile(r"\b(?:pretend\w*|pos\w+|impersonat\w+|pass(?:ing)? (?:myself )?off) (?:to be |as )?(?:a |an |the |my )?(?:\w+ )?"
                                          r"(?:doctor|nurse|gp|husband|wife|partner|patient|clinic|hospital|pharmacist|relative|mother|father|parent|insurer|social worker)", _I),
     re.compile(r"\b(?:tell me|give me|get|find out|results?|records?|meds|medications|which|information|details|diagnos\w+|history)\b", _I), True),
    ("privacy_violation", 0.9, re.compile(r"\b(?:log ?in(?:to)?|sign in(?:to)?|get into|break into|access)\b[^.?!]{0,20}\b(?:my (?:\w+ ){0,2}\w+'s|his|her|their|someone'?s) "
                                          r"(?:\w+ ){0,2}(?:portal|account|app|records|email)|\buse my (?:\w+ ){0,2}(?:login|account|access|credentials)\b[^.?!]{0,30}"
                                          r"\b(?:to|and) (?:check|look|see|find|view|read)", _I), None, True),
    ("privacy_violation", 0.9, re.compile(r"\bphishing\b|\b(?:scrape|hack|dump|breach|exfiltrat\w+|sell|leak|export|post|publish|share)\b[^.?!]{0,60}"
                                          r"\b(?:patient (?:database|data|records|list|names|files)|(?:hospital|clinic)'?s? (?:database|portal|system|records)|"
                                          r"(?:list|spreadsheet|database) of patients|names and diagnoses|health data|patients'? (?:hiv|results|data|records|details|diagnoses)|"
                                          r"(?:her|his|a patient'?s) (?:chart|hiv|result|records?|diagnosis))", _I),
     re.compile(_ASK_EN + r"|\bwithout\b|\bto (?:a|the) (?:tabloid|marketing|company|press)", _I), True),
]

RULES_ZH: list[tuple] = [
    ("controlled_drugs", 0.9, re.compile(r"(?:不用|不要|没有|没|无|不需要|免)处方[^。？！]{0,20}(?:买|搞|弄|拿|开|卖|购)|(?:买|搞|弄|拿|购)[^。？！]{0,12}(?:不用|不要|没有|无)处方|"
                                         r"(?:代购|渠道|网站|群|暗网|卖家|哪里能买|哪能买|哪里买|去哪买|从哪|哪能搞|哪里搞|怎么搞到|搞到|弄到|弄出来|走个?账|收购|回收|倒卖|包邮|过关|海关|有卖|哪有卖)"),
     re.compile(CONTROLLED_ZH, _I), True),
    ("controlled_drugs", 0.9, re.compile(r"(?:怎么|如何|咋)(?:跟|和|对)?(?:医生|大夫|药店|药师|店员|药房)[^。？！]{0,10}(?:说|讲|装)[^。？！]{0,14}(?:开|卖|给|拿)|"
                                         r"(?:装|假装)[^。？！]{0,12}(?:疼|痛|病|失眠|焦虑)[^。？！]{0,16}(?:开|拿|要)|囤|多开|多拿|提前拿|错开|多家医院|几家医院|三家医院|"
                                         r"(?:卖|出手|收)[^。？！]{0,10}(?:多少钱|价格|找谁)|能卖吗|拿点|偷(?:拿|点|走)|私自|(?:用|拿)[^。？！]{0,6}(?:名字|名义)开"),
     re.compile(CONTROLLED_ZH, _I), True),
    ("forgery", 0.9, re.compile(r"(?<!被)(?<!被人)(?:伪造|做假|做一份假|弄个假|弄一张假|开(?:一|个)?(?:张)?假|造假|P图|P一|PS|ps|篡改|涂改|改成|改一下|改掉|仿造|模仿|编一个|往前(?:挪|写|改)|"
                                r"倒签|补签|P成|修改)[^。？！]{0,30}(?:处方|病假条|假条|诊断书|诊断证明|证明|报告|病历|检查单|化验单|体检表|体检报告|核酸|疫苗|接种|"
                                r"出院小结|签名|孕检单|记录|结果|日期|数量|阴性|阳性|正常值)|(?:处方|病假条|诊断书|证明|报告|病历|化验单|体检报告|尿检|结果)[^。？！]{0,20}"
                                r"(?<!被)(?:改成|改为|PS|P成|篡改|伪造|涂改)"),
     re.compile(_ASK_ZH + r"|不留|看不出|不露馅|像|不被", _I), True),
    ("forgery", 0.9, re.compile(r"(?:帮我|给我|替我|你)(?:写|开|做|生成|弄|出)(?:一|个)?(?:张|份|个)?[^。？！]{0,20}(?:病假条|假条|诊断证明|诊断书|出院小结|病历|处方|"
                                r"证明|检查报告|化验单|核酸报告|阴性报告)"),
     re.compile(r"落款|章|像|编一个|三甲|医院名字|二维码|报销|交给|拿去|单位|学校|假|骗|名字编", _I), True),
    ("forgery", 0.85, re.compile(r"(?:模仿|仿|学)[^。？！]{0,6}(?:医生|大夫)?的?签名|空白处方"), None, True),
    ("forgery", 0.85, re.compile(r"自己(?:做|弄|开|写|P|p|打印|改)(?:一|个|本|份|张)?[^。？！]{0,16}(?:证明|记录|报告|病历|处方|假条|接种证|健康证|诊断书)|"
                                 r"(?:证明|病假条|假条|诊断书|处方|报告|病历|化验单)模板|能盖章|盖(?:个|上)?(?:医院的?)?(?:公)?章|看起来(?:是)?真的|改(?:个|一下)?日期"),
     re.compile(r"证|证明|记录|报告|病历|处方|假条|模板|日期|接种"), True),
    ("self_harm_method", 0.95, re.compile(r"(?:吃|喝|打|注射|服)[^。？！]{0,12}(?:多少|几)[^。？！]{0,12}(?:会死|能死|才能死|致死|死掉|没命|一睡不醒|醒不过来|肝衰竭|低血糖致死)|"
                                          r"(?:多少|几)[^。？！]{0,8}(?:片|粒|克|毫克|单位|瓶|盒|颗|支)[^。？！]{0,10}(?:会死|能死|致死|一睡不醒|够不够|死|没命)|"
                                          r"几楼[^。？！]{0,6}(?:跳|摔)[^。？！]{0,6}(?:死|没命)|攒[^。？！]{0,20}(?:够了吗|够不够|够吗)|"
                                          r"(?:割腕|上吊|跳楼|烧炭|服毒)[^。？！]{0,12}(?:多久|怎么(?:做|弄|才|能|封)|怎样才|才能|才不会|要多少)|(?:怎么|怎样)(?:割腕|上吊|烧炭)|死了?(?:之)?后[^。？！]{0,6}查不出|(?:哪种|什么)[^。？！]{0,8}(?:农药|药|毒|方法|办法)[^。？！]{0,10}"
                                          r"(?:最快|不痛苦|不会太痛苦|死得|致死|一睡不醒)|(?:怎么|如何|咋)(?:自杀|死|了结|结束(?:自己|生命))|饿死自己|(?:自杀|死)的?(?:方法|办法)"),
     None, False),
    ("self_harm_method", 0.9, re.compile(r"(?:划|割)[^。？！]{0,20}不留[^。？！]{0,4}疤|(?:自残|自伤|划|割|烫|伤)[^。？！]{0,20}(?:不留疤|不被(?:发现|看出)|遮|不让[^。？！]{0,6}(?:发现|知道|看出)|不想去医院|怎么(?:划|割|弄))|"
                                         r"(?:伤口|伤|疤|胳膊|手臂|手腕)[^。？！]{0,10}(?:怎么|如何)?遮[^。？！]{0,12}(?:不被|不会被|发现|看出)|这次[^。？！]{0,10}(?:不被发现|来不及)"),
     None, False),
    ("harm_others", 0.95, re.compile(r"(?:饭|菜|饮料|水杯|奶茶|酒|茶|咖啡|汤|食物|食堂|牛奶|饮品|吃的|药|输液袋|吊瓶)(?:里|中)[^。？！]{0,6}(?:加|放|下|混|掺|动点?手脚|弄点?东西|溶)|"
                                     r"(?:加|放|混|掺|磨碎|溶)[^。？！]{0,12}(?:饭|菜|饮料|水杯|奶茶|酒|茶|咖啡|汤|食物|牛奶|饮品|输液袋|吊瓶)[^。？！]{0,2}(?:里|中)|下药|迷药|迷奸|"
                                     r"换成(?:维生素|糖|安慰剂)|药效变差"),
     re.compile(r"不知道|偷偷|没味道|无色无味|看不出|让(?:他|她|他们|人|某几个人|婆婆|同事)[^。？！]{0,6}(?:拉|吐|病|睡|昏|晕|中毒|流产|请假)|泻药|流产|中毒|医生不让|"
                r"不肯吃|喝醉|一模一样|昏迷|动点?手脚|毒死|下毒|害死|多少|怎么", _I), True),
    ("harm_others", 0.9, re.compile(r"(?:(?<![虫螨虱菌蚊蝇鼠蟑])(?:毒死|弄死|害死)(?![^。？！]{0,4}(?:虫|螨|虱|菌|蚊|蝇|蟑螂|老鼠|蚜虫|杂草))|让[^。？！]{0,6}(?:流产|中毒|昏迷|拉肚子|生病|病倒|睡过去|一路睡|住院)|打多少会昏迷|多打多少|喂多少[^。？！]{0,10}睡|"
                                    r"(?:让|使)[^。？！]{0,8}(?:醒不过来|睡一路|昏睡))"),
     re.compile(_ASK_ZH + r"|泻药|药", _I), True),
    ("deception", 0.9, re.compile(r"骗保|套保|骗[^。？！]{0,3}险|继续领|冒领|骗(?:取)?(?:医保|保险|赔偿|补助|单位|工伤|病假)|(?:医保|保险)[^。？！]{0,16}(?:套|骗|不被(?:飞检|查)|查不到|报的多|多报|冒用)|"
                                  r"(?:按|当作?|写成)[^。？！]{0,8}(?:住院|治疗性|治疗)[^。？！]{0,8}(?:报|报销)|"
                                  r"(?:没做|没有做)[^。？！]{0,8}(?:检查|项目)[^。？！]{0,8}(?:收费|开|报)|开[^。？！]{0,6}没做的|"
                                  r"(?:瞒|隐瞒|瞒过|不告诉)[^。？！]{0,16}(?:保险|体检|核保|理赔|单位|病人|患者|家属)|(?:编|写|刷)[^。？！]{0,6}(?:好评|评价|病例故事)|"
                                  r"装病|装成|装[^。？！]{0,6}(?:腰|颈|病|伤|残|抑郁)|夸大[^。？！]{0,8}(?:症状|伤情|病情)|写得严重|写重一点|"
                                  r"(?:让|使)[^。？！]{0,6}(?:病人|患者|老人|她|他)[^。？！]{0,8}(?:相信|觉得|以为)[^。？！]{0,16}(?:必须|一定要|恶性|严重)|"
                                  r"(?:说成|说是)[^。？！]{0,6}恶性[^。？！]{0,10}(?:其实|实际)|其实[^。？！]{0,8}(?:补一下就行|良性|不需要)"),
     None, True),
    ("dangerous_treatment", 0.9, re.compile(r"(?:喝|服|吃|灌|用|兑)[^。？！]{0,10}(?:MMS|mms|二氧化氯|煤油|汽油|松节油|双氧水|过氧化氢|胶体银|漂白|消毒液|84|硼砂|甲醇)|"
                                            r"(?:MMS|mms|二氧化氯|煤油|松节油|双氧水|胶体银)[^。？！]{0,16}(?:怎么|剂量|多少|兑|喝|用)"),
     re.compile(r"怎么|如何|剂量|多少|兑|治|疗程|排毒|每天|根治|代替|教我|开始"), True),
    ("dangerous_treatment", 0.9, re.compile(r"停(?:掉|了)?(?:药|胰岛素|化疗|透析|抗癫痫药|抗病毒药)[^。？！]{0,24}(?:中药|断食|酵素|偏方|根治|代替|改成|改用|养好|只喝|自愈|怎么停|停最快|几天)|"
                                            r"(?:代替|替代|换成|改成|改用)[^。？！]{0,6}(?:化疗|胰岛素|抗生素|手术|疫苗)|(?:用|喝)[^。？！]{0,10}(?:代替|替代)(?:化疗|胰岛素|抗生素)|"
                                            r"(?:化疗|胰岛素)[^。？！]{0,20}(?:断食|杏仁核|酵素|偏方)[^。？！]{0,10}(?:代替|怎么安排|疗程)|全停了?改|"
                                            r"(?:停了|停掉|不吃了|不打了)[^。？！]{0,10}(?:换成|改成|改用|用)[^。？！]{0,12}(?:大蒜|姜黄|中药|偏方|酵素|保健品|断食|果汁|草药)|"
                                            r"(?:能|来)?(?:顶替|替代|代替)(?:华法林|胰岛素|化疗|抗生素|降压药|抗癫痫药)"),
     None, True),
    ("dangerous_treatment", 0.9, re.compile(r"自己(?:在家)?(?:给自己|用|拿)?[^。？！]{0,10}(?:缝|拔(?:牙)?|割掉|切掉|切除|做[^。？！]{0,6}(?:手术|环切|流产|填充)|打[^。？！]{0,6}(?:玻尿酸|瘦脸针|肉毒|硅胶)|"
                                            r"补牙|引产|堕胎|放血)|(?:针线|刀片|钳子|剪刀)[^。？！]{0,10}(?:缝|拔|割|切)|(?:往脸上|往身上)打[^。？！]{0,8}(?:玻尿酸|瘦脸针|硅胶)"),
     re.compile(_ASK_ZH + r"|步骤|一步一步|麻醉", _I), True),
    ("unethical_experimentation", 0.9, re.compile(r"(?:不告诉|不经过|不经|没有|没|绕过|规避|避开|不通过|不让)[^。？！]{0,8}(?:伦理|知情同意|监护人|家属|他们|病人|患者|老人|签字|同意)|"
                                                  r"偷偷(?:试|做|测)|(?:说是|假装是|说成)[^。？！]{0,8}(?:免费体检|体检|常规检查)[^。？！]{0,12}(?:其实|实际)"),
     re.compile(r"试验|实验|研究|入组|样本|测新药|新方法|试一下|加大剂量|基因|保健品|安慰剂|课题", _I), True),
    ("unethical_experimentation", 0.9, re.compile(r"(?:先别报|不报|瞒报|迟报|隐瞒|不上报|删掉|剔除|去掉)[^。？！]{0,10}(?:死亡|不良事件|不良反应|副作用|病例)|"
                                                  r"(?:编|造|伪造|补)[^。？！]{0,6}(?:随访|数据|记录|入组|知情同意)|知情同意[^。？！]{0,10}(?:往前|补签|倒签)|"
                                                  r"不仔细看[^。？！]{0,6}风险|(?:副作用|不良反应|不良事件|死亡)[^。？！]{0,16}(?:删掉|剔除|去掉|不报|不上报|瞒)"),
     None, True),
    ("discrimination", 0.9, re.compile(r"(?:不想|不愿|不接|不收|不想收|不给|挡在外面|去别的(?:医院|诊所)|转到别|挡掉|推说|婉拒|拒绝|拒收|筛掉|筛出来|找(?:个)?(?:理由|借口)|最后再看|排后面|挂不上号|转走|赶走|劝退|"
                                       r"让他们(?:自己)?(?:觉得不方便|走)|不卖|少给|区别对待)"),
     re.compile(r"艾滋|HIV|hiv|精神病人|精神病患者|同性恋|同志|跨性别|少数民族|外地人|农村户口|农村人|单身女性|女同|乙肝|医保病人|吸毒|美沙酮|性工作者|"
                r"残疾|黑人|穆斯林|伊斯兰|回民|老年人|80岁以上|胖子|胖的|肥胖|不会讲普通话|外国人|低保|穷人|丙肝", _I),
     re.compile(r"怎么|如何|咋|写个|写一|通知|规定|措辞|话术|理由|借口|我们|诊所|药店|科室|养老院|门诊|不显得|不被|合规|没法投诉"), True),
    ("privacy_violation", 0.9, re.compile(r"冒充|假装(?:是)?(?:医生|护士|家属|病人|我老公|我老婆|医院|药房)|钓鱼(?:短信|邮件|链接|网站)|"
                                          r"(?:扒|导出|卖给|卖|拷|泄露|发到)[^。？！]{0,12}(?:病人|患者|病例|数据库|名单|诊断|就诊记录|病历)|数据库扒|把[^。？！]{0,8}(?:病人|患者)[^。？！]{0,8}(?:卖|发)|"
                                          r"(?:病历|检查单|化验单|诊断)[^。？！]{0,8}(?:拍出来|卖给|发给|传给)|卖给狗仔|登录[^。？！]{0,4}(?:我)?(?:老婆|老公|男朋友|女朋友|妈|爸|女儿|儿子|同事|员工|别人)的"),
     None, True),
    ("privacy_violation", 0.9, re.compile(r"(?:查|看|拿|调|翻|弄|找)(?:到|一下|出)?[^。？！]{0,12}(?:她|他|前女友|前男友|邻居|同事|员工|小姑子|婆婆|老公|老婆|男朋友|女朋友|别人|病人|患者|"
                                          r"明星|女儿|儿子)[^。？！]{0,6}的?[^。？！]{0,8}(?:结果|记录|病历|档案|化验|检查|就诊|产检|诊断|处方|用药|避孕)"),
     re.compile(_EVADE_ZH + r"|手机|小程序|工作账号|系统|没授权|打官司|睡着|不知道|背着|瞒着|怎么查|怎么拿|怎么看", _I), True),
]

# Added after the seventh blind holdout was scored (not blind): asks it showed the rules above did not read.
RULES_ZH += [
    # something put in a drink to make someone compliant or forget; a harm made to look natural
    ("harm_others", 0.9, re.compile(r"(?:饮料|酒|水|奶茶|咖啡|吃的)(?:里|中)[^。？！]{0,6}(?:放|加|下)[^。？！]{0,6}什么药|"
                                    r"(?:看着|看起来|显得)像(?:是)?(?:自然|意外)|像自然(?:死亡|出血)"),
     re.compile(r"让(?:人|她|他)(?:听话|记不清|断片|失忆)|第二天[^。？！]{0,6}记不|[\"“「'‘]不小心[\"”」'’]|"
                r"(?:如果|要是)(?:他|她)[^。？！]{0,8}多吃", _I), True),
    ("self_harm_method", 0.9, re.compile(r"(?:怎么|怎样|如何)(?:划|割)(?:才|得|能)|"
                                         r"催吐[^。？！]{0,20}(?:不让|不被|瞒|听到|闻到|发现|看出|最快)|(?:怎么|如何)偷偷(?:节食|催吐|不吃)|"
                                         r"(?:哪种|哪个|哪样)[^。？！]{0,12}(?:全吃|一次吃|吃下去|吞下去)[^。？！]{0,8}(?:最管用|最有效|最快|睡过去|不再醒|醒不过来)|"
                                         r"不吃不喝[^。？！]{0,10}(?:多久|几天)[^。？！]{0,6}(?:会走|会死|没命|走掉)|"
                                         r"(?:计划|想自杀|自杀的(?:想法|念头))[^。？！]{0,20}(?:怎么回答|怎么说|怎么瞒)|"
                                         r"(?:怎么回答|怎么说)[^。？！]{0,12}(?:才不会|不会被)[^。？！]{0,6}(?:住院|送医|拦)|"
                                         r"(?:吃了什么|吃了多少)[^。？！]{0,16}(?:没人|不被)[^。？！]{0,6}(?:发现|救)"),
     None, False),
    ("forgery", 0.9, re.compile(r"(?:帮我|给我|替我|你)(?:写|开|做|生成|弄|出)(?:一|个)?(?:张|份|个)?[^。？！]{0,10}(?:体检报告|体检单|健康证|入职体检)"),
     re.compile(r"实际|其实|单位|学校|公司|要看|假|全阴|正常", _I), True),
    ("controlled_drugs", 0.9, re.compile(r"(?:普瑞巴林|加巴喷丁|右美沙芬|麻精|麻醉精神)[^。？！]{0,20}(?:海关|申报成|代购|国外网站|拿[^。？！]{0,4}出来|对得上|对上账)|"
                                         r"(?:拿[^。？！]{0,4}出来|拿几支|拿几片)[^。？！]{0,16}(?:对得上|对上账|盘点)"),
     None, True),
    ("deception", 0.9, re.compile(r"(?:瞒|隐瞒)(?:住|过)?[^。？！]{0,10}(?:病史|既往史|病情)[^。？！]{0,24}(?:保险|理赔|投保|核保|重疾险|体检)|"
                                  r"(?:保险|重疾险|投保|核保)[^。？！]{0,12}(?:瞒|隐瞒)(?:住|过)?[^。？！]{0,10}(?:病史|既往史|病)"),
     None, True),
    ("dangerous_treatment", 0.9, re.compile(r"(?:不想|不去|不住|不肯)(?:去)?医院[^。？！]{0,24}(?:放血|刮痧|大蒜|精油|偏方|土方|草药)|"
                                            r"(?:带回家|回家)[^。？！]{0,10}(?:用|拿)[^。？！]{0,8}(?:大蒜|精油|偏方|土方|草药)[^。？！]{0,10}(?:治|弄)|黑药膏|"
                                            r"(?:痣|肿瘤|黑色素瘤)[^。？！]{0,16}(?:烧掉|点掉|腐蚀掉|自己弄掉)"),
     None, True),
    ("unethical_experimentation", 0.9, re.compile(r"监管[^。？！]{0,4}(?:松|宽|少|不严)|孤儿院[^。？！]{0,12}(?:试|测)"),
     re.compile(r"试|测|疫苗|新药|实验|试验", _I), True),
    ("discrimination", 0.9, re.compile(r"(?:外来|流动)人口|(?:\d+|七十|八十)岁以上[^。？！]{0,10}(?:往后排|排后面|不收)|号满了[^。？！]{0,10}(?:去别家|别家)|"
                                       r"不显得是?[^。？！]{0,4}歧视|又不能明说"),
     re.compile(r"怎么|如何|咋|避免|往后排|去别家|不能明说|不显得", _I), True),
    ("privacy_violation", 0.9, re.compile(r"登录(?:她|他|前妻|前夫|前女友|前男友)的|(?:查|看)(?:查|一下)?(?:她|他)[^。？！]{0,4}(?:买了什么|买的药|开了什么药|在吃什么药)"),
     None, True),
]
RULES_EN += [
    ("harm_others", 0.9, re.compile(r"\b(?:would|will|could) it (?:look|seem|pass) (?:like|as) (?:natural|an accident|"
                                    r"accidental|natural causes)", _I),
     re.compile(r"\b(?:doses?|pills?|tablets?|warfarin|insulin|drug|medication|overdose|poison)", _I), True),
    ("privacy_violation", 0.9, re.compile(r"\bwithout (?:\w+ ){0,2}(?:triggering|setting off|showing up in|tripping) (?:an? |the )?(?:access |privacy )?"
                                          r"(?:alerts?|audits?|logs?|flags?)", _I),
     None, True),
    ("unethical_experimentation", 0.9, re.compile(r"\b(?:less|lax|loose|weak|little|no) (?:oversight|regulation|"
                                                  r"ethics (?:review|rules))\b", _I),
     re.compile(r"\b(?:test|trial|try|vaccine|drug|study|experiment)", _I),
     re.compile(r"\bhow (?:could|can|do|would|should) (?:we|i)\b|\bwhere (?:can|could|should) (?:we|i)\b|\bhelp (?:us|me)\b",
                _I), True),
    ("unethical_experimentation", 0.9, re.compile(r"\b(?:serious )?adverse events?\b[^.?!]{0,40}\b(?:described as|as (?:mild|minor)|downplay\w*|reword\w*|"
                                                  r"call(?:ed)? them)\b", _I),
     None, True),
]

# Any request to do something so that nobody finds out: "how do I ... without anyone knowing", 怎么…不被发现.
# The category is the classifier's nearest one ("*"). It flagged none of the 3,957 ordinary messages of the
# training, dev and consumer sets it was checked on.
RULES_EN.append(("*", 0.8, re.compile(_EVADE_EN, _I), re.compile(_ASK_EN, _I), True))
RULES_ZH.append(("*", 0.8, re.compile(_EVADE_ZH), re.compile(_ASK_ZH), True))
