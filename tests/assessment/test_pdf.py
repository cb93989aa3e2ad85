"""The PDF export over HTTP: for whoever may read a submitted assessment, every page rendered
with ink on it, with its scores and the Arabic, Bengali and Chinese its answers hold, shaped,
in fonts that have their letters, as every language of the platform's catalogues is."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter

import pypdfium2
from pypdf import PdfReader

from redress.kit.i18n import LANGUAGES
from tests.assessment.conftest import ACME
from tests.assessment.test_flow import GOVERNANCE, JOURNEY, agreed

ARABIC = "سياسة التظلم موقعة من المدير"
BENGALI = "অভিযোগ নীতিতে স্বাক্ষর করা হয়েছে"
CHINESE = "申诉政策由首席执行官签署"
EVERY_LANGUAGE = " · ".join(LANGUAGES.values())
"""Each language of the catalogues by its own name, in its own script."""


VOWEL_SIGNS = re.compile("[\u09be-\u09cc\u09d7]")


def glyphs(reader: PdfReader) -> dict[str, Counter[str]]:
    """Per font, how many of its glyphs stand for each text (its ToUnicode map): a ligature
    stands for several characters, a letter with several shapes has several glyphs."""
    fonts: dict[str, dict[str, str]] = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            name = str(font["/BaseFont"]).split("+")[-1]
            cmap = font["/ToUnicode"].get_data().decode()
            for glyph, text in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]*)>", cmap):
                chars = "".join(chr(int(text[i : i + 4], 16)) for i in range(0, len(text), 4))
                fonts.setdefault(name, {})[glyph] = chars
    return {name: Counter(texts.values()) for name, texts in fonts.items()}


async def test_a_submitted_assessment_prints_with_its_scores_in_arabic_and_bengali(platform):
    p = platform
    assessment_id = await p.start(body={"title": f"مراجعة {BENGALI}"})
    await p.answer(assessment_id, "gov-l1", evidence=[{"text": ARABIC}])
    await p.answer(assessment_id, "gov-l2", "not_applicable", reason=BENGALI)
    await p.answer(assessment_id, "gov-l3", "partly", evidence=[{"text": CHINESE}])
    await p.answer(assessment_id, "gov-l4", "not_met", reason=EVERY_LANGUAGE)
    path = f"/v1/assessments/{assessment_id}/export.pdf"
    await p.caught_up(assessment_id)
    draft = await p.client.get(path, headers=p.member())
    assert draft.status_code == 409 and draft.json()["type"].endswith("not-submitted")
    await p.post(f"/v1/assessments/{assessment_id}/submit")
    await p.caught_up(assessment_id)
    shown = await p.read(assessment_id)
    governance = next(g for g in shown["score"]["groups"] if g["group"] == "governance")
    for headers in (p.member(), p.token()):
        got = await p.client.get(path, headers=headers)
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/pdf"
        assert got.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(got.content))
    assert len(reader.pages) > 1
    # Every page renders, with ink on it.
    rendered = pypdfium2.PdfDocument(got.content)
    assert len(rendered) == len(reader.pages)
    for page in rendered:
        grey = page.render(scale=0.5).to_pil().convert("L")
        assert sum(grey.histogram()[:128]) > 100, "a blank page"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"{governance['met']} of {governance['total']}" in text
    assert ACME in text and "Not applicable" in text and "Partly" in text
    assert ARABIC in text
    # A PDF maps each glyph to one text, so a Bengali vowel sign drawn before its consonant
    # reads back loosely; the letters themselves read back in order.
    assert VOWEL_SIGNS.sub("", BENGALI) in VOWEL_SIGNS.sub("", text)
    fonts = glyphs(reader)
    arabic, bengali = fonts["Noto-Sans-Arabic"], fonts["Noto-Sans-Bengali"]
    # Shaped: the conjuncts are single glyphs (no virama drawn alone), Arabic letters take
    # their joined forms.
    assert arabic["ل"] >= 2 and arabic["م"] >= 2
    assert bengali["ক্ষ"] == 1 and bengali["স্ব"] == 1 and not bengali["্"]
    # Chinese is set in Noto Sans CJK (fonts-noto-cjk), every character a glyph of it.
    [cjk] = [name for name in fonts if "CJK" in name]
    assert CHINESE in text and set(CHINESE) <= set("".join(fonts[cjk]))
    # Every language's name is drawn in Noto fonts that map each of its letters: none falls
    # to a font without them (Myanmar, Khmer, Thai, Devanagari, Latin with Vietnamese marks).
    # Vowel signs and other marks are drawn within their letter's cluster, mapped loosely.
    noto = "".join("".join(texts) for name, texts in fonts.items() if "Noto" in name)
    letters = {c for c in EVERY_LANGUAGE if unicodedata.category(c).startswith("L")}
    assert len(letters) > 40 and letters <= set(noto)


async def test_the_pdf_is_for_readers_of_the_assessment_only(platform):
    p = platform
    assessment_id = await p.submitted(["gov-l1"])
    path = f"/v1/assessments/{assessment_id}/export.pdf"
    assert (await p.client.get(path)).status_code == 401
    for headers in (p.member("brand-b"), p.token(tenant="other")):
        assert (await p.client.get(path, headers=headers)).status_code == 404
    for roles in (("worker",), ("partner",), ("auditor",)):
        headers = p.token(roles, org="safe-home" if roles == ("partner",) else None)
        assert (await p.client.get(path, headers=headers)).status_code == 403


async def test_a_final_assessment_prints_its_rating_and_action_plan(platform):
    p = platform
    assessment_id = await agreed(p, GOVERNANCE)
    owner = "مدير المصادر"  # the owner may be written in Arabic too
    await p.call("PUT", f"/v1/assessments/{assessment_id}/actions/est-l1",
                 {"owner": owner, "due_on": "2027-03-31"})  # fmt: skip
    await p.caught_up(assessment_id)
    got = await p.client.get(f"/v1/assessments/{assessment_id}/export.pdf", headers=p.member())
    assert got.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(got.content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Rating agreed" in text and "Action plan" in text
    assert f"est-l1: {JOURNEY.criteria()['est-l1'].text}" in text
    assert owner in text and "2027-03-31" in text and "open" in text


KHMER = "គោលការណ៍បណ្តឹងតវ៉ាត្រូវបានចុះហត្ថលេខាដោយនាយកប្រតិបត្តិ" * 6
BURMESE = "တိုင်ကြားမှုမူဝါဒကိုအမှုဆောင်အရာရှိချုပ်ကလက်မှတ်ရေးထိုးခဲ့သည်" * 6
LONG_URL = "https://acme.example/" + "evidence/" * 160 + "policy.pdf"


async def test_long_words_of_scripts_without_spaces_and_long_links_wrap_within_the_page(platform):
    """Khmer and Burmese write without spaces between words, and Pango breaks neither: a
    reason in them, or a long link, must wrap inside the margins, not run off the page."""
    p = platform
    assessment_id = await p.start()
    await p.answer(assessment_id, "gov-l1", "not_met", reason=KHMER)
    await p.answer(assessment_id, "gov-l2", "not_met", reason=BURMESE,
                   evidence=[{"url": LONG_URL}])  # fmt: skip
    await p.post(f"/v1/assessments/{assessment_id}/submit")
    await p.caught_up(assessment_id)
    got = await p.client.get(f"/v1/assessments/{assessment_id}/export.pdf", headers=p.member())
    assert got.status_code == 200, got.text
    document = pypdfium2.PdfDocument(got.content)
    widest = 0.0
    for page in document:
        text = page.get_textpage()
        rights = [text.get_charbox(i)[2] for i in range(text.count_chars())]
        widest = max(widest, max(rights, default=0.0) / page.get_width())
    # The right margin is 16 mm of A4's 210: nothing is drawn past 93% of the width.
    assert 0.5 < widest < 0.93, widest
