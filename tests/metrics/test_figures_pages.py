"""The public figures pages over real HTTP, on a month of the generated tenant: each page
shows the signed document as signed (every count shown is the document's, every withheld
count says withheld), in every language and breakdown under 150 KB; pages are kept once
rendered; the release validates against the published JSON Schema, and the data
dictionary explains each of its tables; bad addresses answer a page, and change nothing."""

from __future__ import annotations

import html
import re

import httpx
import jsonschema
import pytest
from starlette.requests import Request
from starlette.responses import Response

from redress.kit.i18n import LANGUAGES, digits, direction
from redress.metrics import dictionary, figures, labels, release_view
from redress.metrics.releases.document import verify_release
from redress.metrics.releases.handlers import release_stream
from tests.metrics.conftest import NOISY_TENANT, TENANT, TIMEOUT

pytestmark = pytest.mark.timeout(TIMEOUT)
LIMIT = 150_000


def received_by_country(document: dict) -> dict[str, int | None]:
    [table] = [t for t in document["tables"] if t["name"] == "received.country"]
    return {c["key"][0]: c["count"] for c in table["cells"]}


async def test_every_breakdown_in_every_language_shows_the_signed_counts_under_150_kb(
    figures_site,
):
    release = figures_site.release["document"]
    page = figures_site.url(f"/releases/{release['release']}")

    async def shown(c: httpx.AsyncClient, lang: str, by: str) -> int:
        got = await c.get(page, params={"lang": lang, "by": by})
        assert got.status_code == 200, (lang, by, got.text[:500])
        assert got.headers["content-type"].startswith("text/html")
        assert len(got.content) < LIMIT, (lang, by, len(got.content))
        assert "<script" not in got.text and got.text.count("<svg") >= 5
        assert f'<html lang="{lang}" dir="{direction(lang)}">' in got.text
        return len(got.content)

    async with httpx.AsyncClient(timeout=120) as c:
        # Every breakdown in English, every language on the heaviest breakdown, then every
        # breakdown in the two heaviest languages and a right-to-left one: a page's size is
        # its breakdown's rows times its language's words, so the bound is tightest there.
        by_size = {by: await shown(c, "en", by) for by in labels.DIMENSIONS}
        heaviest_by = max(by_size, key=by_size.__getitem__)
        sizes = {lang: await shown(c, lang, heaviest_by) for lang in LANGUAGES}
        for lang in {*sorted(sizes, key=sizes.__getitem__)[-2:], "ar"}:
            for by in labels.DIMENSIONS:
                await shown(c, lang, by)
        english = (await c.get(page, params={"lang": "en", "by": "country"})).text
    names = {"TH": "Thailand", "BD": "Bangladesh", "IN": "India", "KH": "Cambodia",
             "NP": "Nepal", "MY": "Malaysia", "unknown": "Not known"}  # fmt: skip
    shown = received_by_country(release)
    assert None in shown.values() and any(shown.values()), "the month must show and withhold"
    for code, count in shown.items():
        if code not in names:
            continue
        cell = '<span class="withheld">withheld</span>' if count is None else f"{count:,}"
        assert f'<th scope="row">{names[code]}</th><td>{cell}</td>' in english, code
    total = release["tables"][0]["margins"][0]["cells"][0]["count"]
    assert f'<th scope="row">Total</th><td>{total:,}</td>' in english
    # A withheld count never reaches the page as a number: not in the chart either.
    withheld = [names[k] for k, v in shown.items() if v is None and k in names]
    caption = html.unescape(re.search(r'<figcaption id="c-received">(.*?)</figcaption>',
                                      english, re.S).group(1))  # fmt: skip
    for name in withheld:
        assert f"{name}: withheld" in caption


async def test_a_bengali_page_writes_its_figures_in_the_digits_its_words_use(figures_site):
    """The catalogue writes "স্তর ১" and "১ থেকে ৫": the counts, dates and charts beside
    them were written 1,234, so one sentence mixed two kinds of digits."""
    release = figures_site.release["document"]
    page = figures_site.url(f"/releases/{release['release']}")
    async with httpx.AsyncClient(timeout=60) as c:
        bengali = (await c.get(page, params={"lang": "bn", "by": "country"})).text
        english = (await c.get(page, params={"lang": "en", "by": "country"})).text
    total = release["tables"][0]["margins"][0]["cells"][0]["count"]
    assert f"<td>{digits(f'{total:,}', 'bn')}</td>" in bengali
    assert f"<td>{total:,}</td>" in english
    shown = {
        "cells": r"<td[^>]*>(.*?)</td>",
        "charts": r"<text[^>]*>(.*?)</text>",
        "headings": r"<h[12][^>]*>(.*?)</h[12]>",
        "captions": r"<figcaption[^>]*>(.*?)</figcaption>",
    }
    for name, element in shown.items():
        texts = [
            html.unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(element, bengali, re.S)
        ]
        assert texts, name
        assert not [t for t in texts if re.search(r"[0-9]", t)], (name, texts[:3])
    charted = "".join(re.findall(shown["charts"], bengali, re.S))
    assert re.search("[\u09e6-\u09ef]", charted), "the charts' figures in Bengali digits"


async def test_a_breakdown_of_many_values_is_shown_in_parts_each_value_in_one(figures_site):
    """A page's size grows with the values of its breakdown: past PART of them, it shows
    them in parts, each linked from every other, the totals on each."""
    release = figures_site.release["document"]
    page = figures_site.url(f"/releases/{release['release']}")
    [table] = [t for t in release["tables"] if t["name"] == "received.category"]
    codes = table["values"]["category"]
    assert len(codes) > release_view.PART, "the generated tenant must need parts"
    count = -(-len(codes) // release_view.PART)
    async with httpx.AsyncClient(timeout=120) as c:
        parts = [(await c.get(page, params={"lang": "en", "by": "category", "part": n})).text
                 for n in range(1, count + 1)]  # fmt: skip
        beyond = await c.get(page, params={"lang": "en", "by": "category", "part": count + 1})
        plain = await c.get(page, params={"lang": "en", "by": "category"})
    assert plain.text == parts[0]
    assert beyond.status_code == 404 and "text/html" in beyond.headers["content-type"]
    for text in parts:
        listed = re.search(r'<ul class="parts".*?</ul>', text, re.S).group(0)
        linked = re.findall(r'href="\?lang=en&amp;by=category&amp;part=(\d+)"', listed)
        assert linked == [str(n) for n in range(1, count + 1)]
        assert '<th scope="row">Total</th>' in text
    for code in codes:
        row = f'<th scope="row">{html.escape(labels.VALUES["category"][code])}</th>'
        assert [row in text for text in parts].count(True) == 1, code
    shown = [sum(f'<th scope="row">{html.escape(labels.VALUES["category"][c])}</th>' in text
                 for c in codes) for text in parts]  # fmt: skip
    assert max(shown) == release_view.PART and sum(shown) == len(codes)


async def test_a_page_is_rendered_once_per_release_language_and_breakdown(figures_site):
    release = figures_site.release["document"]["release"]
    page = figures_site.url(f"/releases/{release}")
    shelf = figures_site.app.state.runtime.extras["figures"]
    async with httpx.AsyncClient(timeout=120) as c:
        first = await c.get(page, params={"lang": "bn", "by": "channel"})
        kept = [k for k in shelf.pages if k[1:4] == (release, "bn", "channel")]
        assert len(kept) == 1
        shelf.pages[kept[0]] = shelf.pages[kept[0]].replace("</main>", "<p>kept</p></main>")
        again = await c.get(page, params={"lang": "bn", "by": "channel"})
        chosen = await c.get(page, params={"by": "channel"}, headers={"Accept-Language": "bn"})
    assert first.status_code == again.status_code == 200
    assert "<p>kept</p>" in again.text and "<p>kept</p>" in chosen.text
    assert "প্রকাশিত পরিসংখ্যান" in first.text  # "All published figures", in Bengali


async def test_the_list_links_every_download_and_they_verify(figures_site):
    release = figures_site.release["document"]
    async with httpx.AsyncClient(timeout=60, base_url=figures_site.base_url) as c:
        listing = await c.get(figures_site.url("?lang=ar"))
        assert listing.status_code == 200 and 'dir="rtl"' in listing.text
        assert (await c.head(figures_site.url("?lang=ar"))).status_code == 200
        links = set(re.findall(r'href="([^"]+)"', listing.text))
        rid = release["release"]
        # The dictionary and the keys through the pages that explain them (each links them).
        assert {f"/t/{TENANT}/figures/dictionary?lang=ar",
                f"/t/{TENANT}/figures/verify?lang=ar"} <= links  # fmt: skip
        for path in (f"/releases/{rid}.csv", f"/releases/{rid}.json", "/dictionary.json",
                     "/schema.json", "/keys"):  # fmt: skip
            if path not in ("/dictionary.json", "/keys"):
                assert f"/t/{TENANT}/figures{path}" in links, path
            got = await c.get(f"/t/{TENANT}/figures{path}")
            assert got.status_code == 200, path
            # A link checker's or an archive's HEAD: the GET's headers, no body (was 405).
            head = await c.head(f"/t/{TENANT}/figures{path}")
            assert head.status_code == 200 and head.content == b"", path
            assert head.headers["content-type"] == got.headers["content-type"], path
            assert head.headers["content-length"] == str(len(got.content)), path
        # Both downloads are files to keep, named alike (the JSON was shown in the browser).
        for kind in ("csv", "json"):
            got = await c.get(f"/t/{TENANT}/figures/releases/{rid}.{kind}")
            name = f"{TENANT}-{release['period']}-{release['number']}.{kind}"
            assert got.headers["content-disposition"] == f'attachment; filename="{name}"', kind
        signed = (await c.get(f"/t/{TENANT}/figures/releases/{rid}.json")).json()
        keys = (await c.get(f"/t/{TENANT}/figures/keys")).json()["keys"]
    assert signed == figures_site.release and verify_release(signed, keys)


async def test_real_releases_validate_against_the_schema_and_the_dictionary_explains_them(
    figures_site,
):
    async with httpx.AsyncClient(timeout=60) as c:
        schema = (await c.get(figures_site.url("/schema.json"))).json()
        explained = (await c.get(figures_site.url("/dictionary.json"))).json()
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for signed in (figures_site.release, figures_site.noisy):
        validator.validate(signed)
        document = signed["document"]
        for t in document["tables"]:
            assert dictionary.explains(t["name"]), t["name"]
            # Every code the table lists is defined, in the dictionary's words.
            for dim, values in t["values"].items():
                if dim in labels.VALUES:
                    assert set(values) <= set(explained["codes"][dim]), (t["name"], dim)
            if t["name"].count(".") == 2:  # <measure>.<code>.<dimension>
                measure, code, _ = t["name"].split(".")
                kind = figures.MEASURES[measure][0]
                assert kind in explained["dimensions"], t["name"]
                assert code in explained["codes"][kind], t["name"]
        for s in document["statistics"]:
            assert dictionary.explains(s["name"], statistic=True), s["name"]
    assert set(explained["dimensions"]) >= set(labels.DIMENSIONS)
    document = figures_site.release["document"]
    broken = [
        {**figures_site.release, "document": {**document, "tables": [
            {**document["tables"][0], "cells": [{"key": ["BD"], "count": -1}]}]}},
        {**figures_site.release, "document": {**document, "disclosure": {"k": 2, "noise": None}}},
        {"document": document},
    ]  # fmt: skip
    for bad in broken:
        assert not validator.is_valid(bad)


async def test_a_noisy_release_shows_its_epsilon_and_the_yearly_budget(figures_site):
    rid = figures_site.noisy["document"]["release"]
    noise = figures_site.noisy["document"]["disclosure"]["noise"]
    assert noise["epsilon"] == 1.0
    async with httpx.AsyncClient(timeout=60) as c:
        got = await c.get(figures_site.url(f"/releases/{rid}?lang=en", NOISY_TENANT))
    assert got.status_code == 200
    text = html.unescape(got.text)
    assert noise["scale"] == 1.0  # one table: one case moves one count
    assert "a count is off by 1 on average, up or down." in text
    assert "Privacy spent by this release: ε = 1." in text
    assert "Yearly privacy budget: ε = 3, of which ε = 1 is spent" in text


async def test_bad_addresses_answer_a_page_in_the_readers_language_and_change_nothing(
    figures_site,
):
    store = figures_site.generated.store
    before = await store.stream_version(release_stream(TENANT))
    rid = figures_site.release["document"]["release"]
    unknown = "0190c3d2-0000-4000-8000-000000000000"
    async with httpx.AsyncClient(timeout=60) as c:
        for path, status in [
            (f"/releases/{unknown}?lang=ar", 404),
            (f"/releases/{rid}?by=member&lang=ar", 422),
            (f"/releases/{rid}?by=%C3%A9&lang=ar", 422),
            ("/releases/not-a-release?lang=ar", 422),
            # A control character in the address is refused as a page too, not as JSON.
            (f"/releases/{rid}?by=coun%00try&lang=ar", 422),
            (f"/releases/{rid}%00?lang=ar", 422),
        ]:
            got = await c.get(figures_site.url(path))
            assert got.status_code == status, (path, got.text[:300])
            assert got.headers["content-type"].startswith("text/html"), path
            assert 'lang="ar" dir="rtl"' in got.text, path
        nobody = await c.get(figures_site.url("", "nobody-here"))
        assert nobody.status_code == 404 and nobody.headers["content-type"].startswith("text/html")
    assert await store.stream_version(release_stream(TENANT)) == before


async def test_a_page_given_up_on_during_an_outage_is_a_page_and_a_download_problem_json(
    figures_site,
):
    """The kit gives a read up on a database that stopped answering before the page's own
    route can say so (`redress.kit.reads`): a journalist's browser showed the problem+json.
    It answers as the route would, in the reader's language; a download stays JSON."""
    release = figures_site.release["document"]["release"]

    async def refused(path: str, query: bytes = b"") -> Response:
        scope = {"type": "http", "method": "GET", "path": path, "query_string": query,
                 "headers": [], "app": figures_site.app}  # fmt: skip
        return await figures_site.app.state.unavailable(Request(scope), TimeoutError())

    for path in (f"/t/{TENANT}/figures", f"/t/{TENANT}/figures/releases/{release}"):
        page = await refused(path, b"lang=bn")
        assert page.status_code == 503 and page.headers["retry-after"] == "5", path
        assert page.media_type == "text/html" and 'lang="bn"' in page.body.decode(), path
    download = await refused(f"/t/{TENANT}/figures/releases/{release}.json")
    assert download.status_code == 503
    assert download.media_type == "application/problem+json"


async def test_each_section_says_what_it_counts_and_the_chart_what_it_draws(figures_site):
    """Received 424 and taken up 356 beside 83 not taken up: they count different
    grievances (taken up in the period, whenever received), and the page never said so; the
    chart under "received and taken up" drew the received alone."""
    release = figures_site.release["document"]
    async with httpx.AsyncClient(timeout=120) as c:
        got = await c.get(figures_site.url(f"/releases/{release['release']}"),
                          params={"lang": "en", "by": "country"})  # fmt: skip
    sections = dict(re.findall(r'<section aria-labelledby="s-([a-z_]+)">(.*?)</section>',
                               got.text, re.S))  # fmt: skip
    assert {"received", "rejected", "closed", "time", "callbacks"} <= set(sections)
    for key, body in sections.items():
        said = re.search(r'<h2 id="s-[a-z_]+">[^<]*</h2>\n<p class="says">([^<]+)</p>', body)
        assert said and said.group(1).endswith("."), key
    received = html.unescape(sections["received"])
    assert "whenever they arrived, so the difference is not the number not taken up." in received
    drawn = "The chart shows the grievances received; the table shows both."
    assert re.search(rf'<p class="drawn">{drawn}</p>\s*<figure>', received)
