"""The Rasa assistant as seen from the gateway's side: training its model and running its processes.

The bot lives in its own Python 3.10 venv (``.venv-bot``, built by ``make bot``) and is driven
only through its command line and HTTP; nothing here imports Rasa.

- ``training``: ``ensure_model`` trains on first use and caches the model by a digest of its inputs.
- ``processes``: ``start_bot`` runs the Rasa server and the action server; ``stop`` ends both.
"""

from __future__ import annotations

import os
from pathlib import Path

import gateway
from gateway.config import Settings
from gateway.errors import ConfigError


def project_root() -> Path:
    """The source checkout holding ``bot/`` and ``nlu_data/``: the parent of the gateway package."""
    root = Path(gateway.__file__).resolve().parent.parent
    if not (root / "bot" / "config.yml").is_file():
        raise ConfigError(
            f"the Rasa project (bot/, nlu_data/) is not next to the gateway package in {root}: "
            "the assistant runs from a source checkout (PARLEY_BOT_START=false runs without it)"
        )
    return root


def rasa_executable(settings: Settings, root: Path) -> Path:
    """``rasa`` in the bot venv; a relative PARLEY_BOT_VENV is relative to the project root.

    Relative to the project, not the working directory, because ``make bot`` builds the venv
    there and ``parley run`` may be started from anywhere.
    """
    venv = settings.bot_venv if settings.bot_venv.is_absolute() else root / settings.bot_venv
    rasa = venv / "bin" / "rasa"
    if not rasa.is_file():
        raise ConfigError(
            f"the bot venv {venv} is missing (no {rasa}): run `make bot` to build it "
            "(Python 3.10 and bot/requirements.lock)"
        )
    return rasa


def rasa_environment(**extra: str) -> dict[str, str]:
    """The environment of every Rasa command: ours, telemetry off, plus ``extra``."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **extra}
