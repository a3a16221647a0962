"""``python -m bench.transcription``: speak the scripts, measure the three parts, print the
report; exit 1 on a problem."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.progress import log
from bench.transcription.corpus import CARD_VOICEMAILS, record, utterances, voicemail_scripts
from bench.transcription.measure import accuracy, job, speed, variants
from bench.transcription.options import parse_args
from bench.transcription.report import report
from bench.transcription.results import Results
from transcription.audio import MAX_SECONDS
from transcription.pipeline import Pipeline
from transcription.speech import Transcriber


def rss_kb() -> int:
    """This process's resident memory in kB (bench.agent_events.idle has one, but importing it
    imports the gateway: 180 MB that would be counted here)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure(args: argparse.Namespace) -> Results:
    """Load the model, speak the scripts, run the three parts."""
    results = Results(args.threads)
    started = time.perf_counter()
    transcriber = Transcriber(threads=args.threads)
    results.load_seconds = time.perf_counter() - started
    results.rss_loaded_kb = rss_kb()
    with tempfile.TemporaryDirectory(prefix="parley-transcription-bench-") as tmp:
        log("speaking the scripts ...")
        scripts = voicemail_scripts(args.voicemails)
        voicemails = record({f"voicemail {i + 1}": s for i, s in enumerate(scripts)}, Path(tmp))
        lines = utterances()[: args.utterances]
        spoken = record({f"utterance {i + 1}": s for i, s in enumerate(lines)}, Path(tmp))
        cards = record(CARD_VOICEMAILS, Path(tmp))
        pipeline = Pipeline(transcriber, MAX_SECONDS)
        job(pipeline, spoken[0])  # the first run pays for lazy set-up: not timed
        log(f"real-time factor on {len(voicemails)} voicemails ...")
        speed(pipeline, voicemails, results)
        log(f"word error rate on {len(spoken)} utterances ...")
        accuracy(pipeline, spoken, results)
        log("decoding variants on the card voicemails ...")
        variants(transcriber, cards, spoken if args.variant_wer else [], results)
    # ru_maxrss is in kB on Linux.
    results.peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, measure, print the report; the exit status."""
    results = measure(parse_args(argv))
    print(report(results))
    return 1 if results.problems else 0


if __name__ == "__main__":
    sys.exit(main())
