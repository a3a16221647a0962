"""The arq worker: its settings, job names and ids, the jobs and the requeue sweeps."""
