"""``WorkerSettings`` for arq's own command line: ``arq gateway.worker.main.WorkerSettings``.

arq reads a class's attributes, so the settings are read from the environment (``PARLEY_*``
and ``.env``) when this module is imported; ``parley worker`` does the same through
``create_worker``.
"""

from __future__ import annotations

from gateway.config import load_settings
from gateway.worker.service import worker_settings_class

WorkerSettings = worker_settings_class(load_settings())
