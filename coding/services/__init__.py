"""Writes: every change to projects, documents, the codebook and codings.

Services take keyword-only arguments, validate with readable messages
(``django.core.exceptions.ValidationError``), run in one transaction and return the
affected object. Views, the API, tasks and commands never write models directly.
"""
