"""Staff command-line tools (installed as faqctl, staffctl, faqbot-broadcast, faqbot-purge, ...).

Each module also runs as ``python scripts/<tool>.py`` once the project is installed (``make install``)."""
