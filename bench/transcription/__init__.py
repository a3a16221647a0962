"""Voicemail transcription on this machine: speed against faster-whisper alone, and accuracy.

    .venv/bin/python -m bench.transcription            # 10 voicemails, 50 utterances
    .venv/bin/python -m bench.transcription --quick    # 4 voicemails, 12 utterances: ~30 s
    .venv/bin/python -m bench.transcription --threads 1

Everything is generated here, with espeak-ng and sox (``tests/speech_audio.py``): no recording
of anyone is needed, and the scripts are known. One process, one loaded model (tiny.en, int8,
``--threads`` CPU threads), the models loaded by path as in production.

- Real-time factor (processing seconds per second of audio): the worker's job (the file's
  bytes read as its fetch, then ``transcription.pipeline.Pipeline.run``: decode, transcribe,
  redact) against faster-whisper called directly (``WhisperModel.transcribe(path, ...)`` with the
  same options, its segments consumed) on the same WAV files, 8 kHz μ-law voicemails of 5 to
  30 seconds made of the utterances, the two paths alternating which goes first.
- Word error rate of the job on the utterances (``utterances.txt``: typical debtor voicemails),
  spoken at 8 kHz μ-law: raw (lower case, no punctuation) and normalised (numbers and symbols
  in one form: ``wer.py``).
- Decoding variants on two card-number voicemails (an all-ones test card, on which tiny.en
  loops, and a realistic one): without and with the repetition penalty, without and with the
  hard cap on characters per second; outside ``--quick`` also their word error rates.

Progress goes to stderr, the report (Markdown) to stdout, with the process's peak RSS. The exit
status is 1 if a recording failed or the default decoding exceeded its own cap. Nothing here
asserts a timing; this is not a test.

Modules: ``options`` (the command line), ``corpus`` (the scripts and their audio), ``measure``
(the three parts), ``results``, ``report`` and ``wer`` (the word error rate).
"""
