"""Voicemail and call-recording transcription (faster-whisper); see the transcription issue."""
