"""The pages that say how to read the figures, over real HTTP: the data dictionary as a page
in the reader's language (not raw JSON), and how to check a downloaded release, whose
command, run on the files a reader downloads, says a release is genuine and a changed one
is not."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from redress.metrics import labels
from tests.metrics.conftest import NOISY_TENANT, TENANT, TIMEOUT

pytestmark = pytest.mark.timeout(TIMEOUT)
LIMIT = 150_000


async def test_the_data_dictionary_is_a_page_in_the_readers_language(figures_site):
    rid = figures_site.release["document"]["release"]
    async with httpx.AsyncClient(timeout=60) as c:
        release = await c.get(figures_site.url(f"/releases/{rid}"), params={"lang": "fr"})
        pages = {lang: await c.get(figures_site.url("/dictionary"), params={"lang": lang})
                 for lang in ("en", "fr", "ar")}  # fmt: skip
    assert f'href="/t/{TENANT}/figures/dictionary?lang=fr"' in release.text
    for lang, got in pages.items():
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}"' in got.text and len(got.content) < LIMIT, lang
        assert f'href="/t/{TENANT}/figures/dictionary.json"' in got.text, lang
        assert "<script" not in got.text
    english, french = (html.unescape(pages[lang].text) for lang in ("en", "fr"))
    for key, (title, names) in labels.SECTIONS.items():
        assert f"<dt>{title}</dt>" in english, key
        assert labels.SAYS[key] in english and labels.SAYS[key] not in french, key
        assert all(f"<code>{n}</code>" in english for n in names), key
    assert "<code>wage_restitution</code></th><td>Payment of unpaid wages</td>" in english
    assert "<code>wage_restitution</code></th><td>Paiement des salaires dus</td>" in french
    assert "No count from 1 to 4 is shown." in english


def the_check(text: str) -> str:
    """The commands the page gives, less the installation (the tests have the package)."""
    found = re.search(r'<pre class="command"[^>]*><code>(.*?)</code></pre>', text, re.S)
    assert found, text[:500]
    commands = html.unescape(found.group(1))
    assert commands.startswith("pip install cryptography\n")
    return commands.split("\n", 1)[1]


def run(check: str, folder: Path, release: dict, keys: dict) -> subprocess.CompletedProcess:
    (folder / "release.json").write_text(json.dumps(release), encoding="utf-8")
    (folder / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(["bash", "-c", check], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "PATH": path}, timeout=60, check=False)  # fmt: skip


async def test_the_check_page_says_how_and_its_command_tells_a_changed_release(
    figures_site, tmp_path
):
    async with httpx.AsyncClient(timeout=60) as c:
        listing = await c.get(figures_site.url("?lang=en"))
        page = await c.get(figures_site.url("/verify"), params={"lang": "en"})
        arabic = await c.get(figures_site.url("/verify"), params={"lang": "ar"})
        downloads = {}
        for tenant, signed in ((TENANT, figures_site.release), (NOISY_TENANT, figures_site.noisy)):
            rid = signed["document"]["release"]
            got = await c.get(figures_site.url(f"/releases/{rid}.json", tenant))
            keys = await c.get(figures_site.url("/keys", tenant))
            downloads[tenant] = (got.json(), keys.json())
    assert f'href="/t/{TENANT}/figures/verify?lang=en"' in listing.text
    assert page.status_code == 200 and arabic.status_code == 200
    assert f'href="/t/{TENANT}/figures/keys"' in page.text and 'dir="rtl"' in arabic.text
    text = html.unescape(page.text)
    assert "Ed25519" in text and "RFC 8785" in text and "“genuine”" in text
    check = the_check(page.text)
    assert the_check(arabic.text) == check
    for tenant, (release, keys) in downloads.items():
        genuine = run(check, tmp_path, release, keys)
        assert genuine.returncode == 0 and genuine.stdout == "genuine\n", genuine.stderr
        changed = json.loads(json.dumps(release))
        cells = [c for t in changed["document"]["tables"] for c in t["cells"]]
        next(c for c in cells if c["count"] is not None)["count"] += 1  # one figure changed
        refused = run(check, tmp_path, changed, keys)
        assert refused.returncode != 0 and "InvalidSignature" in refused.stderr, tenant
