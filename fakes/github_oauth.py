"""GitHub's OAuth web flow in the fake GitHub: authorize, exchange the code, and the user it names.

Follows https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#web-application-flow:
`GET /login/oauth/authorize` (the person is signed in at GitHub and approves at once) redirects to
`redirect_uri?code=...&state=...`; `POST /login/oauth/access_token` trades `client_id`, `client_secret`
and `code` for a token (errors answer 200 with `error`, as GitHub does); `GET /user` and
`GET /user/emails` answer for that token. The web paths sit at the server's root, the API paths under
the Enterprise Server prefix when there is one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse

DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"


@dataclass
class OAuthUser:
    login: str
    id: int
    name: str = ""
    # (address, verified, primary)
    emails: list[tuple[str, bool, bool]] = field(default_factory=list)


@dataclass
class FakeOAuth:
    apps: dict[str, str] = field(default_factory=dict)  # client id -> secret
    users: dict[str, OAuthUser] = field(default_factory=dict)
    signed_in: str = ""  # the login of whoever is signed in at GitHub in "the browser"
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (client id, login)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> login

    def add_app(self, client_id: str = "Iv1.fakeclient", secret: str = "fake-client-secret") -> tuple[str, str]:
        self.apps[client_id] = secret
        return client_id, secret

    def add_user(self, login: str, *, id: int, name: str = "", emails=()) -> OAuthUser:
        self.users[login] = OAuthUser(login=login, id=id, name=name, emails=list(emails))
        return self.users[login]

    def authorize(self, query: dict) -> tuple[int, dict, dict]:
        """GitHub's authorize page, approved at once by the signed-in person: a redirect with a code."""
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if client_id not in self.apps or not redirect_uri or self.signed_in not in self.users:
            return 404, {"message": "Not Found"}, {}
        code = secrets.token_hex(10)
        self.codes[code] = (client_id, self.signed_in)
        params = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return 302, {}, {"Location": f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(params)}"}

    def access_token(self, form: dict) -> tuple[int, dict, dict]:
        client_id, secret, code = form.get("client_id", ""), form.get("client_secret", ""), form.get("code", "")
        if self.apps.get(client_id) != secret or not secret:
            return 200, {"error": "incorrect_client_credentials", "error_uri": DOCS}, {}
        found = self.codes.pop(code, None)
        if found is None or found[0] != client_id:
            return 200, {"error": "bad_verification_code", "error_description": "The code is incorrect or expired."}, {}
        token = "gho_" + secrets.token_hex(18)
        self.tokens[token] = found[1]
        return 200, {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}, {}

    def user_for(self, authorization: str) -> OAuthUser | None:
        token = authorization.split(" ", 1)[1] if " " in authorization else ""
        login = self.tokens.get(token)
        return self.users.get(login) if login else None

    def user_json(self, user: OAuthUser, origin: str) -> dict:
        public = next((address for address, _verified, primary in user.emails if primary), None)
        return {
            "login": user.login,
            "id": user.id,
            "node_id": f"U_{user.id}",
            "avatar_url": f"{origin}/avatars/u/{user.id}",
            "html_url": f"{origin}/{user.login}",
            "type": "User",
            "site_admin": False,
            "name": user.name or None,
            "email": public,
        }

    @staticmethod
    def emails_json(user: OAuthUser) -> list[dict]:
        return [
            {"email": address, "verified": verified, "primary": primary, "visibility": "private" if primary else None}
            for address, verified, primary in user.emails
        ]


def answer(handler, fake_oauth: FakeOAuth, *, method: str, api_path: str, body: bytes = b"") -> bool:
    """Answer an OAuth request on `handler` (the fake's request handler); False when it is not one."""
    url = urlparse(handler.path)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    payload: dict | list
    if method == "GET" and url.path == "/login/oauth/authorize":
        status, payload, headers = fake_oauth.authorize(query)
    elif method == "POST" and url.path == "/login/oauth/access_token":
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()} or query
        status, payload, headers = fake_oauth.access_token(form)
    elif method == "GET" and api_path in ("/user", "/user/emails"):
        user = fake_oauth.user_for(handler.headers.get("Authorization", ""))
        if user is None:
            status, payload, headers = 401, {"message": "Bad credentials"}, {}
        elif api_path == "/user":
            origin = f"http://{handler.headers.get('Host', '127.0.0.1')}"
            status, payload, headers = 200, fake_oauth.user_json(user, origin), {}
        else:
            status, payload, headers = 200, fake_oauth.emails_json(user), {}
    else:
        return False
    data = json.dumps(payload).encode() if payload or status != 302 else b""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    return True
