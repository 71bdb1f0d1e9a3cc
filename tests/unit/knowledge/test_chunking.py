import itertools

import pytest

from medchat.knowledge.chunking import Passage, chunk_document, count_tokens, split_sentences
from medchat.knowledge.documents import Document


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def document(text: str, *, doc_id: str = "/docs/test.md", language: str = "en") -> Document:
    return Document(id=doc_id, title="Test", language=language, text=text, source=doc_id, url="https://example.org")


# -- sentences --------------------------------------------------------------------------------------
def test_english_sentences():
    text = ("Dr. Smith saw the patient. Take e.g. ibuprofen, i.e. a painkiller, etc. as needed. "
            "Give 2.5 ml twice a day. Is it serious? Call now! J. Smith agreed.\nA heading\nNext line")
    assert sentences(text) == [
        "Dr. Smith saw the patient.",
        "Take e.g. ibuprofen, i.e. a painkiller, etc. as needed.",  # abbreviations do not end sentences
        "Give 2.5 ml twice a day.",  # nor do decimal points
        "Is it serious?",
        "Call now!",
        "J. Smith agreed.",  # an initial is no sentence end either
        "A heading",  # line breaks end sentences (headings, list items)
        "Next line",
    ]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    assert sentences('He said "stop." Then (quietly.) left.') == ['He said "stop."', "Then (quietly.)", "left."]


def test_chinese_sentences():
    assert sentences("哮喘是慢性病。会咳嗽吗？要及时就医！注意保暖；多喝水") == [
        "哮喘是慢性病。", "会咳嗽吗？", "要及时就医！", "注意保暖；", "多喝水"]


def test_chinese_closing_quotes_stay_with_their_sentence():
    assert sentences("医生说：“多休息。”然后离开了。") == ["医生说：“多休息。”", "然后离开了。"]


def test_mixed_sentences():
    assert sentences("Asthma is common. 哮喘很常见。Use an inhaler, e.g. salbutamol. 使用吸入剂！") == [
        "Asthma is common.", "哮喘很常见。", "Use an inhaler, e.g. salbutamol.", "使用吸入剂！"]


def test_spans_exclude_surrounding_white_space():
    text = "  First one.   Second one.\n\n\n  Third  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one.", "Third"]
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_no_sentences_in_blank_text(text):
    assert split_sentences(text) == []


def test_count_tokens_han_versus_latin():
    assert count_tokens("哮喘是慢性病") == 6  # one per Han character
    assert count_tokens("Asthma is a long term condition") == 8  # 6 words x 1.3, rounded
    assert count_tokens("哮喘 asthma") == 2 + 1
    assert count_tokens("don't stop, well-known COVID-19") == 5  # 4 words: contractions and hyphens are one word
    assert count_tokens("。！？ ... !!") == 0


# -- passages ---------------------------------------------------------------------------------------
def english_text(n: int = 40) -> str:
    """Sentences of varying length, a heading line, and one sentence longer than any small budget."""
    parts = ["# Overview"]
    for i in range(n):
        words = " ".join(f"word{i}x{j}" for j in range(3 + (i * 7) % 11))
        parts.append(f"Sentence {i} says {words}.")
        if i == 17:
            parts.append("This one runs on " + " ".join(f"long{j}" for j in range(60)) + ".")
        if i % 9 == 8:
            parts.append("\nA new paragraph starts here.")
    return " ".join(parts)


NUMERALS = "一二三四五六七八九十"
# No digits: a digit is a Latin "word" (1.3 tokens), and rounding per sentence would blur the budget check.
CHINESE_TEXT = ("".join(f"第{NUMERALS[i % 10]}句话讲的是{'哮喘' * (1 + i % 5)}的内容。" for i in range(30))
                + "这一句特别长" * 20 + "。")


def sentence_spans(passage: Passage, doc: Document) -> list[tuple[int, int]]:
    return [(s, e) for s, e in split_sentences(doc.text) if passage.start <= s and e <= passage.end]


@pytest.mark.parametrize("max_tokens", [20, 45, 160])
def test_passages_are_whole_sentences_within_the_budget(max_tokens):
    doc = document(english_text())
    spans = split_sentences(doc.text)
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    passages = chunk_document(doc, max_tokens=max_tokens)
    assert len(passages) > 2
    for p in passages:
        assert doc.text[p.start:p.end] == p.text
        assert p.start in starts and p.end in ends  # no sentence is cut
        inside = sentence_spans(p, doc)
        cost = sum(count_tokens(doc.text[s:e]) for s, e in inside)
        assert cost <= max_tokens or len(inside) == 1, (p.text, cost)
    covered = {span for p in passages for span in sentence_spans(p, doc)}
    assert covered == set(spans)  # nothing is lost


def test_a_sentence_longer_than_the_budget_is_a_passage_of_its_own():
    doc = document(english_text())
    passages = chunk_document(doc, max_tokens=30)
    long = [p for p in passages if "long59" in p.text]
    assert len(long) == 1
    assert long[0].text.startswith("This one runs on") and long[0].text.endswith("long59.")
    assert count_tokens(long[0].text) > 30


def test_chinese_passages_stay_within_the_budget():
    doc = document(CHINESE_TEXT, language="zh")
    passages = chunk_document(doc, max_tokens=50)
    assert len(passages) > 3
    for p in passages:
        assert doc.text[p.start:p.end] == p.text
        assert count_tokens(p.text) <= 50 or len(sentence_spans(p, doc)) == 1
    assert passages[-1].text == "这一句特别长" * 20 + "。"


def test_consecutive_passages_overlap_by_one_sentence():
    doc = document(english_text())
    spans = split_sentences(doc.text)
    passages = chunk_document(doc, max_tokens=45)
    overlapping = 0
    for before, after in itertools.pairwise(passages):
        inside = sentence_spans(before, doc)
        assert after.end > before.end  # every passage brings new sentences
        if len(inside) > 1 and after.start == inside[-1][0]:
            overlapping += 1  # the next passage repeats the last sentence
            continue
        # No overlap only after a lone (long) sentence, or where the repeated sentence and the next one
        # would not fit the budget together (a passage holding just the repeat would add nothing).
        nxt = spans.index(inside[-1]) + 1
        assert after.start == spans[nxt][0]
        if len(inside) > 1:
            assert count_tokens(doc.text[inside[-1][0]:inside[-1][1]]) + count_tokens(
                doc.text[spans[nxt][0]:spans[nxt][1]]) > 45
    assert overlapping >= len(passages) // 2


def test_the_overlap_sentence_is_never_a_passage_of_its_own():
    short = "Short one here. Another short one."
    long = "This one runs on " + " ".join(f"long{j}" for j in range(60)) + "."
    doc = document(f"{short} {long} {short}")
    texts = [p.text for p in chunk_document(doc, max_tokens=30)]
    assert texts == [short, long, short]  # not [short, "Another short one.", long, ...]


def test_no_overlap_when_asked():
    doc = document(english_text())
    passages = chunk_document(doc, max_tokens=45, overlap_sentences=0)
    assert all(after.start > before.end for before, after in itertools.pairwise(passages))


def test_passages_carry_the_document_metadata():
    doc = document("One sentence here. Another one there.")
    [p] = chunk_document(doc)
    assert (p.doc_id, p.title, p.language, p.source, p.url) == (
        doc.id, doc.title, doc.language, doc.source, doc.url)
    assert p.id.startswith(doc.id + "#")


def test_ids_are_stable():
    doc = document(english_text())
    first = [p.id for p in chunk_document(doc, max_tokens=45)]
    second = [p.id for p in chunk_document(document(english_text()), max_tokens=45)]
    assert first == second and len(set(first)) == len(first)


def test_an_edit_changes_only_the_ids_of_passages_containing_it():
    before = document(english_text())
    # Same token count (one word for another), different length: later offsets shift, passages do not.
    after = document(before.text.replace("Sentence 25 says", "Sentence 25 states"))
    old, new = chunk_document(before, max_tokens=45), chunk_document(after, max_tokens=45)
    assert len(old) == len(new)
    touched = [i for i, p in enumerate(new) if "Sentence 25 states" in p.text]
    assert 1 <= len(touched) <= 2  # the sentence, and the overlap that repeats it
    for i, (o, n) in enumerate(zip(old, new, strict=True)):
        if i in touched:
            assert o.id != n.id
        else:
            assert o.id == n.id and o.text == n.text
    assert new[-1].start > old[-1].start  # offsets did move


def test_duplicate_passages_get_distinct_ids():
    doc = document("Rest well.\nRest well.\nRest well.")
    passages = chunk_document(doc, max_tokens=1)  # every sentence is over budget: one passage each
    assert [p.text for p in passages] == ["Rest well."] * 3
    ids = [p.id for p in passages]
    assert len(set(ids)) == 3
    assert ids[1] == ids[0] + "-2" and ids[2] == ids[0] + "-3"
    assert [p.start for p in passages] == [0, 11, 22]


def test_an_empty_document_has_no_passages():
    assert chunk_document(document("   \n ")) == []
