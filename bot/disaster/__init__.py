"""Disaster support beyond the FAQ: the support navigator, the shelter search, and the tables they keep.

It sits above bot/conversation, whose flows call it through :class:`bot.disaster.support.DisasterSupport`.
The disaster-support mode that the rest of the bot reads is a foundation of its own, ``bot/disaster_mode.py``.
"""
