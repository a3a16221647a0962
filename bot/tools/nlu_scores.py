"""Summarise a `rasa test nlu` results folder as Markdown.

Usage (any Python 3.8+, standard library only):

    python bot/tools/nlu_scores.py /tmp/parley-nlu-results [--min-intent-f1 0.90]

Reads intent_report.json, intent_errors.json and DIETClassifier_report.json (plus
EntitySynonymMapper/other entity reports when present) and prints the intent macro-F1, the entity
F1 (micro, macro and weighted averages, excluding the "no_entity" label), a per-intent table and
the most frequent confusions. Exits 1 when --min-intent-f1 is given and not reached.
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import sys

AVERAGES = ("accuracy", "micro avg", "macro avg", "weighted avg")


def _load(path: pathlib.Path) -> dict | list | None:
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=pathlib.Path)
    parser.add_argument("--min-intent-f1", type=float, default=None)
    parser.add_argument("--confusions", type=int, default=10)
    args = parser.parse_args(argv)

    intents = _load(args.results / "intent_report.json")
    if not isinstance(intents, dict):
        print(f"no intent_report.json in {args.results}", file=sys.stderr)
        return 2
    macro = intents["macro avg"]["f1-score"]
    weighted = intents["weighted avg"]["f1-score"]
    accuracy = intents.get("accuracy")
    print("## Intents\n")
    print(f"- macro-F1: **{macro:.3f}**")
    print(f"- weighted-F1: {weighted:.3f}")
    if accuracy is not None:
        print(f"- accuracy: {accuracy:.3f}")
    print()
    print("| intent | precision | recall | F1 | support |")
    print("|---|---:|---:|---:|---:|")
    rows = [(k, v) for k, v in intents.items() if k not in AVERAGES and isinstance(v, dict)]
    for name, rep in sorted(rows, key=lambda kv: (kv[1]["f1-score"], kv[0])):
        print(
            f"| {name} | {rep['precision']:.3f} | {rep['recall']:.3f} | "
            f"{rep['f1-score']:.3f} | {rep['support']} |"
        )

    errors = _load(args.results / "intent_errors.json") or []
    if errors:
        pairs = collections.Counter(
            (e["intent"], e["intent_prediction"]["name"]) for e in errors if "intent" in e
        )
        print("\n## Most frequent intent confusions (true -> predicted)\n")
        for (true, pred), n in pairs.most_common(args.confusions):
            examples = [
                e["text"]
                for e in errors
                if (e["intent"], e["intent_prediction"]["name"]) == (true, pred)
            ]
            print(f'- {true} -> {pred}: {n}  (e.g. "{examples[0]}")')

    for report_path in sorted(args.results.glob("*Extractor_report.json")) + sorted(
        args.results.glob("DIETClassifier_report.json")
    ):
        report = _load(report_path)
        if not isinstance(report, dict):
            continue
        print(f"\n## Entities ({report_path.stem.replace('_report', '')})\n")
        for avg in ("micro avg", "macro avg", "weighted avg"):
            if avg in report:
                print(f"- {avg} F1: **{report[avg]['f1-score']:.3f}**")
        print()
        print("| entity | precision | recall | F1 | support |")
        print("|---|---:|---:|---:|---:|")
        for name, rep in sorted(report.items()):
            if name in AVERAGES or name == "no_entity" or not isinstance(rep, dict):
                continue
            print(
                f"| {name} | {rep['precision']:.3f} | {rep['recall']:.3f} | "
                f"{rep['f1-score']:.3f} | {rep['support']} |"
            )

    if args.min_intent_f1 is not None and macro < args.min_intent_f1:
        print(f"\nintent macro-F1 {macro:.3f} < {args.min_intent_f1:.3f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
