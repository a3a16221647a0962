"""Bot turns while voicemails are transcribed, against the same turns with nothing queued;
the transcription's throughput and the transcription worker's memory, on the process stack.

    .venv/bin/python -m bench.transcription_load            # 200 turns a phase, 100 recordings
    .venv/bin/python -m bench.transcription_load --quick    # 40 turns, 20 recordings
    .venv/bin/python -m bench.transcription_load --database postgres --rate 4

Starts the stack as ``bench.portal_chat`` does (``tests/stack_processes.py``'s BotStack:
gateway, two default workers, the transcription worker on its own queue, Rasa with the
repository's model, the action server; a fresh SQLite file or throwaway PostgreSQL database;
Redis db 12 unless ``--redis-url`` or ``$PARLEY_BENCH_REDIS_URL``, flushed before and after).
One recording goes through the transcription worker first (its models loaded, its first run's
set-up paid), then:

- Baseline: ``--turns`` bot turns at ``--rate`` per second, open loop (each one due at its time
  whatever the earlier ones did), with no recording queued. A turn is ``bench.bot_turns``'s
  (``TurnProbe``): "who is this" posted as an inbound SMS, until the reply is recorded as sent.
- Under load: ``--recordings`` voicemails (5 to 15 s of 8 kHz μ-law audio spoken by espeak-ng:
  promises, a dispute, hardship, "stop calling me"; each on an account of its own) posted as
  core-system uploads (``POST /v1/recordings``) as fast as the gateway takes them, then the same
  turns at the same rate while they are transcribed, then the wait until the last one is done
  (first POST to last ``transcribed_at``: recordings and audio seconds per wall second).
- Meanwhile the processes' ``VmRSS`` every 0.5 s, their ``VmHWM`` at the end, and the CPU
  seconds of each group during each phase's turns.

The goal is a p99 under load at most 1.2x the baseline's; the report says whether it was met.
Progress goes to stderr, the report (Markdown) to stdout. The exit status is 1 if a turn was
lost, a recording was not transcribed or a process of the stack died. Nothing here asserts a
timing; this is not a test.

Modules: ``options`` (the command line and the workload), ``voicemails`` (the scripts, their
audio, the uploads and their statuses), ``turns`` (the conversations and the turns at a steady
rate), ``processes`` (the stack's processes: memory and CPU), ``measure`` (the run in order),
``results`` and ``report``; the stack, the turn probe, CPU accounting and percentiles are
shared with the other benchmarks in ``bench``.
"""
