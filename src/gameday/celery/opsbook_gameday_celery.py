"""The game-day world's Celery app: real workers and beat on the world's private Redis.

The task names, queues and beat schedule are the seed's (from the environment); the tasks do
nothing. Beat's period is compressed to OPSBOOK_CELERY_BEAT_PERIOD seconds so a game day does not
wait a real minute for each periodic send.
"""
import os
import time

from celery import Celery

app = Celery('opsbook_gameday', broker=os.environ['OPSBOOK_CELERY_BROKER'])
BEAT_TASKS = [t for t in os.environ.get('OPSBOOK_CELERY_BEAT_TASKS', '').split(',') if t]
# Periodic tasks a fault took out of beat's schedule (still registered: the app still has them).
UNSCHEDULED = {t for t in os.environ.get('OPSBOOK_CELERY_BEAT_UNSCHEDULED', '').split(',') if t}
app.conf.update(
    # Every task message is announced with a task-sent event: how opsbook counts beat instances.
    task_send_sent_event=True,
    task_default_queue=os.environ.get('OPSBOOK_CELERY_DEFAULT_QUEUE', 'celery'),
    # With a prefetch of 1, kombu's Redis transport asks for the next message only about every 10 s
    # on a one-thread worker: a backlog of jobs would drain at 0.1 a second.
    worker_prefetch_multiplier=50,
    beat_schedule={
        name: {'task': name, 'schedule': float(os.environ.get('OPSBOOK_CELERY_BEAT_PERIOD', '1'))}
        for name in BEAT_TASKS if name not in UNSCHEDULED
    },
)



def _noop():
    return None


for _name in BEAT_TASKS:
    app.task(name=_name)(_noop)


@app.task(name='opsbook_gameday.job')
def job(seconds=0):
    """A job a game day enqueues to make a queue's depth real; it works for `seconds`."""
    time.sleep(float(seconds))

