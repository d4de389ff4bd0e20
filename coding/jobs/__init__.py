"""The job machinery: one lifecycle for every piece of background work.

A kind of job (an agreement run, an analysis result, an export, a network build, ...)
is a thin subclass of the abstract ``coding.jobs.models.Job`` that names its Celery
task. ``coding.jobs.services`` enqueues it after commit, lets exactly one worker claim
it, keeps a heartbeat while it runs, and resends (or fails) a job whose worker died.
Every page shows the same badge and the same message when no worker can be reached.
"""
