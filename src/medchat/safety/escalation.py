"""What an emergency reply opens with: who to call, in the user's language, for their locale.

Numbers are the public emergency and crisis lines of each place. ``locale`` comes from settings
(``safety.locale``); ``auto`` uses the language: 120 for Chinese, and for English a sentence naming
911 / 999 / 112, since we cannot know which country the user is in.
"""

from __future__ import annotations

from dataclasses import dataclass

from medchat.errors import ConfigError


@dataclass(frozen=True)
class LocaleLines:
    emergency: str  # ambulance / emergency medical number
    crisis: str  # suicide and crisis support, in words


LOCALES: dict[str, LocaleLines] = {
    "US": LocaleLines("911", "call or text 988 (Suicide & Crisis Lifeline)"),
    "CA": LocaleLines("911", "call or text 988 (Suicide Crisis Helpline)"),
    "GB": LocaleLines("999", "call Samaritans on 116 123 (free, 24 hours) or NHS 111"),
    "IE": LocaleLines("112 or 999", "call Samaritans on 116 123"),
    "EU": LocaleLines("112", "call your local crisis line, or 112"),
    "AU": LocaleLines("000", "call Lifeline on 13 11 14"),
    "NZ": LocaleLines("111", "call or text 1737"),
    "IN": LocaleLines("112", "call Tele-MANAS on 14416"),
    "CN": LocaleLines("120", "拨打全国心理援助热线 12356，或北京心理危机研究与干预中心 010-82951332"),
    "HK": LocaleLines("999", "致电撒玛利亚防止自杀会 2389 2222"),
    "TW": LocaleLines("119", "撥打安心專線 1925"),
    "SG": LocaleLines("995", "call SOS on 1767"),
}
LOCALES["UK"] = LOCALES["GB"]

_GENERIC_EN = LocaleLines(
    "your local emergency number (911 in the US, 999 in the UK, 112 in the EU)",
    "contact a crisis line now: in the US call or text 988, in the UK call Samaritans on 116 123, "
    "elsewhere your local emergency number",
)

_WHY = {
    "en": {
        "cardiac": "chest pain like this can be a heart attack",
        "stroke": "these can be signs of a stroke, where every minute counts",
        "anaphylaxis": "this can be a severe allergic reaction (anaphylaxis); use an adrenaline auto-injector if one "
                       "has been prescribed",
        "bleeding": "heavy bleeding needs urgent care; press firmly on the wound while you wait",
        "breathing": "serious trouble breathing is an emergency",
        "seizure": "a seizure like this needs urgent help; do not put anything in the person's mouth",
        "poisoning": "this may be poisoning or an overdose; keep the packet or bottle to show the ambulance crew",
        "self_harm": "you deserve support right now",
        "infant_fever": "a fever in a baby this young needs urgent medical assessment",
        "pregnancy": "these pregnancy symptoms need urgent assessment",
        "burns": "a burn like this needs emergency care; cool it under cool running water for 20 minutes and cover it "
                 "loosely with cling film, with no ice or creams",
        "diabetic": "this may be a diabetic emergency; if someone cannot swallow safely, give nothing by mouth (use "
                    "glucagon if it has been prescribed)",
        "unconscious": "someone who is unresponsive needs emergency help; check their breathing",
        "testicular": "sudden, severe pain in a testicle can be testicular torsion, which needs surgery within hours "
                      "(NHS: go to A&E now)",
        "abdominal": "being sick green with a swollen tummy and no poo or wind can be a blocked bowel, and a baby "
                     "being sick green needs checking now (NHS: go to A&E now)",
    },
    "zh": {
        "cardiac": "这种胸痛可能是心脏病发作（心梗）",
        "stroke": "这些可能是中风的表现，每一分钟都很关键",
        "anaphylaxis": "这可能是严重过敏反应；如有医生开具的肾上腺素注射笔，请立即使用",
        "bleeding": "大量出血需要紧急处理；等待时请用力按压伤口",
        "breathing": "严重呼吸困难属于急症",
        "seizure": "这样的抽搐需要紧急救助；不要往患者嘴里塞任何东西",
        "poisoning": "这可能是中毒或药物过量；请保留药盒或瓶子给急救人员看",
        "self_harm": "你值得立刻得到支持和帮助",
        "infant_fever": "这么小的婴儿发烧需要立即就医评估",
        "pregnancy": "这些孕期症状需要紧急评估",
        "burns": "这样的烧烫伤需要紧急处理；先用流动的凉水冲洗20分钟，再用保鲜膜或干净的布轻轻覆盖，不要用冰或涂抹药膏",
        "diabetic": "这可能是糖尿病急症；如果患者无法安全吞咽，不要喂任何食物或饮料（如医生开过胰高血糖素，可以使用）",
        "unconscious": "没有反应的人需要紧急救助；请检查其呼吸",
        "testicular": "睾丸突然剧痛可能是睾丸扭转，需要在数小时内手术，请立即去急诊",
        "abdominal": "呕吐绿色的东西、肚子胀硬、不排便不排气，可能是肠梗阻；婴儿吐绿色的东西也需要马上看急诊",
    },
}


def lines_for(locale: str, language: str) -> LocaleLines:
    locale = locale.upper()
    if locale == "AUTO":
        return LOCALES["CN"] if language == "zh" else _GENERIC_EN
    if locale not in LOCALES:
        raise ConfigError(f"unknown safety locale {locale!r}", hint=f"use auto or one of {', '.join(sorted(LOCALES))}")
    return LOCALES[locale]


def escalation_message(categories: list[str], language: str, locale: str = "auto") -> str:
    """The opening of an emergency reply: call now, why, and crisis support for self-harm."""
    lines = lines_for(locale, language)
    why = _WHY["zh" if language == "zh" else "en"]
    reasons = [why[c] for c in categories if c in why and c != "self_harm"]
    self_harm = "self_harm" in categories
    if language == "zh":
        parts = [f"⚠️ 这可能是紧急情况。请立即拨打 {lines.emergency} 急救电话，或让身边的人帮你拨打。"]
        if reasons:
            parts.append("原因：" + "；".join(reasons) + "。")
        if self_harm:
            parts.append(f"如果你有伤害自己的想法，你并不孤单：请{lines.crisis}；如有立即危险，请拨打 120 或 110。"
                         "也请告诉身边你信任的人，不要独自一人。")
        return "\n".join(parts)
    parts = [f"⚠️ This may be an emergency. Call {lines.emergency} now, or ask someone near you to call."]
    if reasons:
        parts.append("Why: " + "; ".join(reasons) + ".")
    if self_harm:
        parts.append(f"If you are thinking about harming yourself, you are not alone: {lines.crisis}. "
                     "If you are in immediate danger, call your emergency number. Please reach out to someone you "
                     "trust and stay with them.")
    return "\n".join(parts)
