"""A settled `Outcome` as LINE messages: the only place the conversation builds SDK objects."""
from __future__ import annotations

from bot.conversation.decision import Outcome
from bot.line.messages import compose, location_action, postback_action
from bot.line.responder import Reply


def to_reply(outcome: Outcome) -> Reply:
    actions = [postback_action(c.label, c.postback_for(outcome.exchange_id), c.shows) if c.postback is not None
               else location_action(c.label) for c in outcome.choices]
    return Reply(compose(list(outcome.blocks), actions), outcome.exchange_id)
