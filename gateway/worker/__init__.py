"""The arq worker: sends, deferred sends, retries and the requeue sweep."""
