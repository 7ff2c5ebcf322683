"""WSGI entry point: `gunicorn wsgi:app`. Production unless FAQBOT_ENV says otherwise."""
from bot.app import create_app

app = create_app(default_env="production")
