"""The command line of ``python -m bench.transcription``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bench.transcription.corpus import UTTERANCE_COUNT, VOICEMAIL_SECONDS


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--quick`` replaces the sizes with small ones."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.transcription",
        description="Voicemail transcription: real-time factor against faster-whisper alone, "
        "word error rate, and the decoding variants against loops.",
    )
    parser.add_argument(
        "--voicemails", type=int, default=len(VOICEMAIL_SECONDS), help="5 to 30 s each"
    )
    parser.add_argument(
        "--utterances", type=int, default=UTTERANCE_COUNT, help="for the word error rate"
    )
    parser.add_argument("--threads", type=int, default=2, help="CTranslate2's CPU threads")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="4 voicemails, 12 utterances, the variants on the card voicemails only",
    )
    args = parser.parse_args(argv)
    args.variant_wer = not args.quick
    if args.quick:
        args.voicemails, args.utterances = min(args.voicemails, 4), min(args.utterances, 12)
    if not 1 <= args.voicemails <= len(VOICEMAIL_SECONDS):
        parser.error(f"--voicemails: 1 to {len(VOICEMAIL_SECONDS)}")
    if not 1 <= args.utterances <= UTTERANCE_COUNT:
        parser.error(f"--utterances: 1 to {UTTERANCE_COUNT}")
    if args.threads < 1:
        parser.error("--threads: at least 1")
    return args
