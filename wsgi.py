"""WSGI entry point: `gunicorn wsgi:app`. Production unless FAQBOT_ENV says otherwise.

The embedder's threads are chosen before numpy, faiss or torch load (1 per worker unless
FAQBOT_EMBED_THREADS says otherwise), so several workers do not each spin on every core."""
from index.threads import limit_threads

limit_threads()

from bot.app import create_app  # noqa: E402 - after the thread limits

app = create_app(default_env="production", prepare=True)
