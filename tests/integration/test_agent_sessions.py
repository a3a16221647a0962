"""Agent logins and sessions: cookies, wrong credentials, lockout, CSRF, expiry, disabled
agents, and each credential opening its own door only."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from agent_console_helpers import PASSWORD, Console, add_agents, console
from pydantic import HttpUrl
from shared import TOKEN

from gateway import clock
from gateway.agents.directory import disable_agent
from gateway.config import Settings
from gateway.db.engine import create_engine

SESSION_KEYS = "parley:agent:session:*"


async def test_login_sets_a_strict_httponly_cookie_and_answers_with_agent_and_csrf(
    settings: Settings, gateway: Any, redis: Any
) -> None:
    ids = await add_agents(settings, ("Ana@Example.com", "Ana Agent", "agent"))
    agent = Console(await gateway(settings, token=None))
    response = await agent.client.post(
        "/agent/api/login", json={"email": "ana@example.com", "password": PASSWORD}
    )
    body = await response.json()
    assert body["agent"] == {
        "id": ids["Ana@Example.com"],
        "name": "Ana Agent",
        "email": "ana@example.com",
        "role": "agent",
    }
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert {"HttpOnly", "SameSite=Strict", "Path=/agent"} <= {
        part.strip() for part in cookie.split(";")
    }
    assert "Secure" not in cookie
    [key] = await redis.keys(SESSION_KEYS)
    assert 0 < await redis.ttl(key) <= 30 * 60
    # Redis holds a hash of the session id, never the id the browser has.
    assert response.cookies["parley_agent"].value not in key.decode()


async def test_cookie_is_secure_behind_https(settings: Settings, gateway: Any) -> None:
    await add_agents(settings, ("ana@example.com", "Ana", "agent"))
    https = settings.model_copy(update={"public_url": HttpUrl("https://parley.example")})
    client = await gateway(https, token=None)
    response = await client.post(
        "/agent/api/login", json={"email": "ana@example.com", "password": PASSWORD}
    )
    assert "Secure" in response.headers["Set-Cookie"]


async def test_wrong_credentials_get_one_answer_and_five_failures_lock_the_email(
    settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, ("ana@example.com", "Ana", "agent"))
    agent = Console(await gateway(settings, token=None))
    unknown = await agent.login("nobody@example.com")
    wrong = await agent.login("ana@example.com", "not the password")
    assert unknown[0] == wrong[0] == 401
    assert unknown[1]["error"]["message"] == wrong[1]["error"]["message"]
    for _ in range(4):
        assert (await agent.login("ana@example.com", "still wrong"))[0] == 401
    status, body = await agent.login("ana@example.com")  # right, but too late
    assert (status, body["error"]["code"]) == (429, "login_locked")
    assert (await agent.login("ANA@example.com"))[0] == 429  # however the email is typed
    bad = await agent.client.post("/agent/api/login", json={"email": "ana@example.com"})
    assert bad.status == 422
    assert (await bad.json())["error"]["details"][0]["field"] == "password"


async def test_changes_need_the_csrf_token_and_logout_ends_the_session_everywhere(
    settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, ("ana@example.com", "Ana", "agent"))
    agent = await console(gateway, settings, "ana@example.com")
    other_replica = Console(await gateway(settings, token=None))
    other_replica.client.session.cookie_jar.update_cookies(
        {
            "parley_agent": agent.client.session.cookie_jar.filter_cookies(
                agent.client.make_url("/agent/")
            )["parley_agent"].value
        },
        other_replica.client.make_url("/agent/"),
    )
    assert (await other_replica.call("GET", "/conversations"))[0] == 200
    no_token = await agent.client.post("/agent/api/conversations/x/claim")
    assert (no_token.status, (await no_token.json())["error"]["code"]) == (403, "csrf_failed")
    wrong = await agent.client.post(
        "/agent/api/conversations/x/claim", headers={"X-CSRF-Token": "guess"}
    )
    assert wrong.status == 403
    assert (await agent.call("POST", "/conversations/x/claim"))[0] == 404  # the token opens it
    assert (await agent.call("POST", "/logout"))[0] == 200
    assert (await agent.call("GET", "/conversations"))[0] == 401
    assert (await other_replica.call("GET", "/conversations"))[0] == 401


async def test_an_expired_session_is_refused_and_pages_send_to_login(
    settings: Settings, gateway: Any, redis: Any
) -> None:
    await add_agents(settings, ("ana@example.com", "Ana", "agent"))
    agent = await console(gateway, settings, "ana@example.com")
    page = await agent.client.get("/agent/", allow_redirects=False)
    assert page.status == 200
    for key in await redis.keys(SESSION_KEYS):
        await redis.delete(key)  # what the idle expiry does
    status, body = await agent.call("GET", "/conversations")
    assert (status, body["error"]["code"]) == (401, "no_session")
    page = await agent.client.get("/agent/", allow_redirects=False)
    assert (page.status, page.headers["Location"]) == (303, "/agent/login")


async def test_a_disabled_agent_is_out_at_once(settings: Settings, gateway: Any) -> None:
    await add_agents(settings, ("ana@example.com", "Ana", "agent"))
    agent = await console(gateway, settings, "ana@example.com")
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        await disable_agent(conn, "ana@example.com", clock.utcnow())
    await engine.dispose()
    assert (await agent.call("GET", "/conversations"))[0] == 401
    assert (await agent.login("ana@example.com"))[0] == 401


async def test_core_tokens_open_nothing_of_the_console_nor_sessions_anything_of_v1(
    settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, ("ana@example.com", "Ana", "agent"))
    core = await gateway(settings)  # with the core system's bearer token
    assert (await core.get("/agent/api/conversations")).status == 401
    assert (await core.get("/agent/", allow_redirects=False)).status == 303
    agent = await console(gateway, settings, "ana@example.com")
    assert (await agent.client.get("/v1/accounts/A-1")).status == 401
    both = await agent.client.get("/v1/accounts/A-1", headers={"Authorization": f"Bearer {TOKEN}"})
    assert both.status == 404  # the token, not the session, is what /v1 reads


def test_agents_are_added_listed_and_disabled_from_the_command_line(settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")} | {
        "PARLEY_DATABASE_URL": settings.database_url
    }

    def parley(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "gateway.cli.main", "agent", *args],
            input=stdin,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    add = ("add", "--email", "Sue@Example.com", "--name", "Sue Boss", "--role", "supervisor")
    added = parley(*add, "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "added supervisor Sue Boss <sue@example.com>" in added.stdout
    again = parley(*add, "--password-stdin", stdin=PASSWORD + "\n")
    assert (again.returncode, "exists" in again.stderr) == (2, True)
    short = parley(
        "add", "--email", "x@example.com", "--name", "X", "--password-stdin", stdin="short\n"
    )
    assert (short.returncode, "12 characters" in short.stderr) == (2, True)
    assert "\tsue@example.com\tSue Boss\tsupervisor\tactive" in parley("list").stdout
    assert parley("disable", "sue@example.com").returncode == 0
    assert "\tdisabled" in parley("list").stdout
    assert parley("disable", "nobody@example.com").returncode == 2
