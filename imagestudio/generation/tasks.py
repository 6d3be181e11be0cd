from __future__ import annotations

from django.tasks import task

from imagestudio.generation import runner


@task()
def run_job(job_id: str) -> str:
    return str(runner.run(job_id))
