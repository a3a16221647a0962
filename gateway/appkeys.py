"""Typed application state: every resource the handlers reach through
``request.config_dict[...]`` (the root application holds them; sub-applications see them)."""

from __future__ import annotations

from aiohttp import ClientSession, web
from arq.connections import ArqRedis
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.agents.live import LiveHub
from gateway.agents.sessions import SessionStore
from gateway.config import Settings
from gateway.conversations.rasa import RasaClient
from gateway.metrics import Metrics
from gateway.outreach.coalescer import Coalescer
from gateway.outreach.intake import Intake
from gateway.outreach.rendering import TemplateLibrary
from gateway.portal.chat_hub import ChatHub
from gateway.portal.sessions import PortalSessionStore

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
REDIS = web.AppKey("redis", ArqRedis)
TEMPLATES = web.AppKey("templates", TemplateLibrary)
INTAKE = web.AppKey("intake", Intake)
REGISTRY = web.AppKey("registry", CollectorRegistry)
METRICS = web.AppKey("metrics", Metrics)
COALESCER = web.AppKey("coalescer", Coalescer)
HTTP = web.AppKey("http", ClientSession)
RASA = web.AppKey("rasa", RasaClient)
AGENT_SESSIONS = web.AppKey("agent_sessions", SessionStore)
LIVE = web.AppKey("live", LiveHub)
PORTAL_SESSIONS = web.AppKey("portal_sessions", PortalSessionStore)
CHAT = web.AppKey("chat", ChatHub)
