"""Interactive API docs at /docs (Swagger UI) and /redoc (ReDoc) that work offline: their files
come from the fastapi-offline package (Swagger UI 5, which reads OpenAPI 3.1; no CDN), and
the Swagger page's one inline script is allowed by its hash, so both pages keep the same
Content-Security-Policy as every other."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from bot.http.assets import allow_listed
from bot.http.middleware import content_security_policy

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
}
STATIC = files("fastapi_offline") / "static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _page() -> tuple[str, str]:
    body = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Dual-Use Desk API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="data:,",
    ).body
    page = bytes(body).decode()
    hashes = [
        base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in _INLINE_SCRIPT.findall(page)
    ]
    return page, content_security_policy(*hashes)


@router.get("/docs")
def docs() -> HTMLResponse:
    page, policy = _page()
    return HTMLResponse(page, headers={"Content-Security-Policy": policy})


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="Dual-Use Desk API",
        redoc_js_url="/docs/assets/redoc.standalone.js",
        redoc_favicon_url="data:,",
        with_google_fonts=False,
    )


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> FileResponse:
    return allow_listed(STATIC, ASSETS, name)
