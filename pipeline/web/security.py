"""What every response of ``radar web`` gets: read-only methods, optional token or basic auth, and
security headers (a Content-Security-Policy that allows no inline script and nothing off-site)."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from pipeline.settings import Settings

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKEN_COOKIE = "radar_token"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _basic_ok(header: str, s: Settings) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not s.web_username:
        return False
    try:
        user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return _same(user, s.web_username) and _same(password, s.web_password or "")


def _token_ok(request: Request, s: Settings) -> bool:
    if not s.web_token:
        return False
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and _same(value, s.web_token):
        return True
    return _same(request.cookies.get(TOKEN_COOKIE, ""), s.web_token)


class SecurityMiddleware(BaseHTTPMiddleware):
    """Refuse writes, check credentials when settings ask for them, and add the security headers."""

    def __init__(self, app, settings: Settings) -> None:  # noqa: ANN001 - an ASGI app
        super().__init__(app)
        self.s = settings

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._checked(request, call_next)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def _checked(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.method not in READ_METHODS:
            return JSONResponse({"detail": "read-only: only GET requests are served"}, status_code=405,
                                headers={"Allow": "GET, HEAD"})
        s = self.s
        if not (s.web_token or s.web_username) or request.url.path == "/healthz":
            return await call_next(request)
        if _basic_ok(request.headers.get("authorization", ""), s) or _token_ok(request, s):
            return await call_next(request)
        given = request.query_params.get("token")
        if s.web_token and given and _same(given, s.web_token):
            # a shared link with ?token=: keep it in a cookie and drop it from the address bar
            rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(TOKEN_COOKIE, s.web_token, httponly=True, samesite="strict")
            return response
        headers = {"WWW-Authenticate": 'Basic realm="Incident Radar"'} if s.web_username else {}
        return JSONResponse({"detail": "authentication required"}, status_code=401, headers=headers)
