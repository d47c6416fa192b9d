"""Helpers of the acceptance tests (test_huey, test_celery, test_dogpile, test_redis_py_consumers):
the target server, consumer processes, and the task modules / worker scripts those processes import.

Every module here is imported both by the pytest process and by the child processes it starts
(PYTHONPATH = tests/integration), so none of them may touch the server at import time.
"""
