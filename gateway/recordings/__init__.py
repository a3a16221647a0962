"""Recordings in (IVR voicemails, dialers' call recordings), their transcription jobs, what the
transcripts said as account updates, and the review queue for what a person must confirm."""
