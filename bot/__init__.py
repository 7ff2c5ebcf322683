"""The LINE bot: the webhook, the conversation, the human desk, the staff console.

:mod:`bot.app` composes it (``create_app``); ``wsgi.py`` is the entry for gunicorn."""
