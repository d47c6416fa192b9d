"""The huey instance a consumer process loads: ``huey_consumer consumers.huey_main.huey``.
Kind, name and port come from the environment (HUEY_KIND, HUEY_NAME, ACCEPTANCE_PORT)."""

import os

from consumers.huey_app import build

huey = build(os.environ["HUEY_KIND"], int(os.environ["ACCEPTANCE_PORT"]), os.environ["HUEY_NAME"])
