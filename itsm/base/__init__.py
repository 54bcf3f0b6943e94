"""What every app of the service desk uses, and nothing that knows an app.

The bottom layer of DESIGN.md §1: roles and `visible_to` scoping helpers, the pure
business-time arithmetic, API plumbing (strict fields, pagination, parsers, the
exception mapping, per-field readers) and UI plumbing (forms, pagination, template
filters). It imports Django, DRF and django-filter, never `catalog`, the ticket core
or a process; `tests/test_layers.py` holds it to that.
"""
