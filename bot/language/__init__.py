"""Every resident's language: detection, the remembered choice, and the bot's phrases per language."""
