"""The console's one router for the app: the HTML pages and the JSON API, with the settings
they need (how long a sign-in lasts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from bot.config import Settings
from bot.staff import api, pages


def staff_router(settings: Settings) -> APIRouter:
    def _attach_settings(request: Request) -> None:
        request.state.staff_settings = settings

    router = APIRouter(dependencies=[Depends(_attach_settings)])
    router.include_router(pages.router)
    router.include_router(api.router)
    return router
