"""The app a Celery worker process loads: ``celery -A consumers.celery_worker worker``.
The target's port comes from ACCEPTANCE_PORT."""

import os

from consumers.celery_app import make_app

app = make_app(int(os.environ["ACCEPTANCE_PORT"]))
