"""The API documentation works without internet: every asset comes from the service itself."""

import re

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
KINDS = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


async def test_the_documentation_loads_only_same_origin_assets(service):
    client, _ = service
    html = await client.get("/docs")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html.text), html.text
    assets = ASSET.findall(html.text)
    assert any(a.endswith(".js") for a in assets), html.text
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        kind = next(v for k, v in KINDS.items() if url.endswith(k))
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 1000, url
    assert "/openapi.json" in html.text
    assert (await client.get("/redoc")).status_code == 404  # its bundle calls its vendor's CDN


async def test_swagger_ui_does_not_call_the_online_validator(service):
    client, _ = service
    html = (await client.get("/docs")).text
    assert '"validatorUrl": null' in html
