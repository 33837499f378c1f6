"""A small Celery app for opsbook's celery check tests: real workers and beat on a private Redis."""
import os
import time

from celery import Celery

app = Celery('opsbook_celery_app', broker=os.environ['OPSBOOK_CELERY_BROKER'])
app.conf.update(
    # Announce every task message with a task-sent event: how opsbook counts beat instances.
    task_send_sent_event=True,
    worker_prefetch_multiplier=1,
    task_routes={'opsbook_celery_app.project': {'queue': 'projections'}},
    beat_schedule={'tick-every-second': {'task': 'opsbook_celery_app.tick', 'schedule': 1.0}},
)


@app.task
def tick():
    return 'tick'


@app.task
def project(seconds):
    time.sleep(seconds)
