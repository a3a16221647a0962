"""The pages' one Jinja2 set-up: autoescaped, strict about undefined names."""

from __future__ import annotations

import aiohttp_jinja2
import jinja2
from aiohttp import web


def setup_templates(app: web.Application) -> None:
    """Render ``gateway/pages/templates`` for ``app``'s handlers."""
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("gateway.pages", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
