"""A small OpenID provider on loopback: a real HTTP server in a thread serving the discovery
document and the JWKS, with signing keys the test generates and rotates.

Why not only `oidc-provider-mock` (used in test_oidc_provider.py): its last release for
Python 3.11 (0.3.4) keeps one RSA key for its whole life, with no way to add or replace one,
and signs its ID tokens without a `kid` header, so a key rotation (a new kid) cannot be made
with it; nor can it issue a token dated in the past or the future, which the clock-skew tests
need. This server does only what a relying party sees of a provider: discovery, JWKS, and a
token endpoint for codes a test hands it (`grant`), which checks PKCE as a provider does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

AUDIENCE = "redress"


class Provider:
    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.signing_kid = ""
        self.jwks_fetches = 0
        self.discoveries = 0
        self.down = False
        self.stall = threading.Event()  # set: answers only when released
        self.release = threading.Event()
        self.codes: dict[str, dict[str, Any]] = {}  # code -> what its authorization asked
        self.exchanges: list[dict[str, Any]] = []  # the token requests, as posted
        self.rotate()

    def rotate(self, *, keep_old: bool = False) -> str:
        """Sign with a new key from now on; the old one stays published if `keep_old`."""
        kid = uuid.uuid4().hex
        if not keep_old:
            self.keys.clear()
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        self.signing_kid = kid
        return kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "ES256"})
        return {"keys": keys}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/keys",
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "id_token_signing_alg_values_supported": ["ES256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
        }

    def token(
        self,
        *,
        key: ec.EllipticCurvePrivateKey | None = None,
        kid: str | None = None,
        skew: int = 0,
        ttl: int = 3600,
        **claims: Any,
    ) -> str:
        """A token as the provider issues it, dated by a provider clock `skew` seconds off
        ours; `key`/`kid` sign it with another key than the provider's current one."""
        now = int(time.time()) + skew
        body = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "officer-1",
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "tenant": "acme",
            "roles": ["officer"],
            "org": "m1",
        }
        body.update(claims)
        kid = kid or self.signing_kid
        signer = key or self.keys[kid]
        return jwt.encode(body, signer, algorithm="ES256", headers={"kid": kid})

    def grant(self, asked: dict[str, str], **claims: Any) -> str:
        """A code for the authorization request `asked`, as the provider's login gives it."""
        code = uuid.uuid4().hex
        self.codes[code] = {**asked, **claims}
        return code

    def exchange(self, form: dict[str, str], authorization: str | None) -> dict[str, Any] | None:
        """The token response for a code, once, if the PKCE verifier matches its challenge."""
        self.exchanges.append({**form, "authorization": authorization})
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked["redirect_uri"]:
            return None
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).decode().rstrip("=") != asked["code_challenge"]:
            return None
        claims: dict[str, Any] = {
            k: v for k, v in asked.items() if k in ("sub", "roles", "tenant", "org", "aud", "azp")
        }
        return {"id_token": self.token(nonce=asked["nonce"], **claims), "token_type": "Bearer"}


@contextmanager
def provider() -> Iterator[Provider]:
    holder: list[Provider] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            idp = holder[0]
            if idp.stall.is_set():
                idp.release.wait(10)
            if idp.down:
                self.send_error(503)
                return
            if self.path == "/.well-known/openid-configuration":
                idp.discoveries += 1
                self._json(idp.discovery())
            elif self.path == "/keys":
                idp.jwks_fetches += 1
                self._json(idp.jwks())
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            idp = holder[0]
            if idp.stall.is_set():
                idp.release.wait(10)
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            answer = None
            if self.path == "/token":
                answer = idp.exchange(form, self.headers.get("Authorization"))
            if answer is None:
                self._json({"error": "invalid_grant"}, 400)
            else:
                self._json(answer)

        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder.append(Provider(server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, name="idp", daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        holder[0].release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
