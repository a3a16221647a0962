"""``parley agent add|disable|list``: who may log in to the agent console."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from gateway import clock
from gateway.agents.directory import ROLES, add_agent, disable_agent, list_agents
from gateway.config import Settings
from gateway.db.engine import create_engine, reading
from gateway.db.migrate import ensure_migrated
from gateway.errors import ValidationFailed


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``agent`` command and its actions."""
    agent = sub.add_parser("agent", help="agent console logins").add_subparsers(
        dest="action", required=True
    )
    add = agent.add_parser("add", help="create an agent (password from a prompt or stdin)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    disable = agent.add_parser("disable", help="stop an agent from logging in")
    disable.add_argument("email")
    agent.add_parser("list", help="every agent, with role and whether active")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise ValidationFailed("the two passwords differ")
    return first


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out ``parley agent <action>``."""
    password = _password(args.password_stdin) if args.action == "add" else ""

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            await ensure_migrated(engine)
            now = clock.utcnow()
            if args.action == "add":
                async with engine.begin() as conn:
                    agent = await add_agent(
                        conn,
                        email=args.email,
                        name=args.name,
                        role=args.role,
                        password=password,
                        now=now,
                    )
                print(f"added {agent.role} {agent.name} <{agent.email}> ({agent.id})")
            elif args.action == "disable":
                async with engine.begin() as conn:
                    agent = await disable_agent(conn, args.email, now)
                print(f"disabled {agent.name} <{agent.email}>")
            else:
                async with reading(engine) as conn:
                    found = await list_agents(conn)
                for agent in found:
                    state = "active" if agent.active else "disabled"
                    print(f"{agent.id}\t{agent.email}\t{agent.name}\t{agent.role}\t{state}")
                if not found:
                    print("no agents yet: parley agent add --email ... --name ...")
        finally:
            await engine.dispose()
        return 0

    return asyncio.run(main())
