"""``copro serve``: the audit as a website (Django), from data held in a database.

Django is imported only by the ``serve`` and ``db`` commands, never by ``copro audit``.
"""
