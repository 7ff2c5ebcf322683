"""The Flask application factory of the LINE bot.

Services live in ``app.extensions`` (no module-level state):

* ``faq_searcher``: the index/ Searcher;
* ``bot_database``: the bot's SQLite tables (component "bot");
* ``bot_tickets`` / ``bot_desk``: handoff tickets and the desk actions (used by the staff console);
* ``bot_event_handler``: claims, conversation, replies;
* ``bot_webhook_parser``: the line-bot-sdk v3 parser (signature check), absent without a channel secret;
* with ``FAQBOT_EMULATOR`` (development only): ``line_stub`` and the local chat page.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from linebot.v3 import WebhookParser

from bot import DATABASE_KEY, DESK_KEY, SEARCHER_KEY, TICKETS_KEY
from bot.config import ConfigError, check_production, config_from_env, is_production
from bot.console import init_console
from bot.conversation.conversation import Conversation
from bot.conversation.faq_directory import FaqDirectory
from bot.desk.handoff import Handoff
from bot.desk.hours import DeskHoursError, desk_hours_from_config
from bot.desk.service import DeskService
from bot.desk.tickets import TicketStore
from bot.disaster import mode_reader
from bot.line.claims import EventClaims
from bot.line.client import LineSender
from bot.line.handler import EventHandler
from bot.line.identity import UserHasher
from bot.line.webhook import HANDLER_KEY, PARSER_KEY, webhook_blueprint
from bot.records.exchanges import ExchangeLog
from bot.storage import BotDatabase
from faq.store import FaqStore
from index.config import make_embedder, search_config_from_env
from index.search import Searcher

log = logging.getLogger(__name__)

EMULATOR_API_PREFIX = "/line-api"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.config.from_mapping(config_from_env())
    if config:
        app.config.from_mapping(config)
    check_production(app.config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def store_entries():
        store = FaqStore.open(app.config["FAQBOT_DB"])
        try:
            return store.list()
        finally:
            store.close()

    app.extensions[SEARCHER_KEY] = Searcher(app.config["FAQBOT_INDEX_DIR"], make_embedder,
                                            search_config_from_env(), lexical_fallback=store_entries)
    _install_bot(app)
    app.register_blueprint(webhook_blueprint)
    init_console(app)  # the staff console at /console

    @app.errorhandler(413)
    def _too_large(_exc):
        log.warning("request refused (413): body larger than %s bytes", app.config["MAX_CONTENT_LENGTH"])
        return jsonify(status="refused", reason="body too large"), 413

    @app.get("/healthz")
    def healthz():
        searcher: Searcher = app.extensions[SEARCHER_KEY]
        snap = searcher.snapshot
        # the index may have vectors while the model that embeds queries failed to load: also degraded
        healthy = snap is not None and snap.has_dense and not searcher.problem
        return jsonify(status="ok" if healthy else "degraded",
                       entries=len(snap.entries) if snap else 0, problem=searcher.problem)

    if app.config.get("FAQBOT_EMULATOR") and not is_production(app.config):
        from bot.emulator.chat import mount_emulator
        mount_emulator(app, api_prefix=EMULATOR_API_PREFIX)
    return app


def _install_bot(app: Flask) -> None:
    cfg = app.config
    try:
        hours = desk_hours_from_config(cfg)
    except DeskHoursError as exc:
        raise ConfigError(str(exc)) from None
    FaqStore.open(cfg["FAQBOT_DB"]).close()  # the FAQ tables (settings: disaster mode) exist before any event
    database = BotDatabase(cfg["FAQBOT_DB"])
    app.extensions[DATABASE_KEY] = database
    exchanges = ExchangeLog(database)
    hasher = UserHasher(database.user_hash_salt(cfg["FAQBOT_USER_HASH_SALT"]))
    faqs = FaqDirectory(database.conn)
    sender = LineSender(cfg["LINE_API_ENDPOINT"], cfg["LINE_CHANNEL_ACCESS_TOKEN"],
                        read_timeout=float(cfg["LINE_READ_TIMEOUT"]))
    tickets = TicketStore(database)
    app.extensions[TICKETS_KEY] = tickets
    app.extensions[DESK_KEY] = DeskService(tickets, sender, cfg["FAQBOT_DESK_PHONE"])
    handoff = Handoff(tickets, database, faqs, hours, minutes_per_ticket=cfg["FAQBOT_DESK_MINUTES_PER_TICKET"],
                      desk_phone=cfg["FAQBOT_DESK_PHONE"], desk_hours_text=cfg["FAQBOT_DESK_HOURS"],
                      clock=cfg.get("FAQBOT_CLOCK"))
    conversation = Conversation(lambda: app.extensions[SEARCHER_KEY], faqs, exchanges, hasher,
                                cfg["FAQBOT_DESK_PHONE"], cfg["FAQBOT_DESK_HOURS"], handoff=handoff,
                                disaster_mode=mode_reader(database.conn),
                                emergency_7119=bool(cfg["FAQBOT_EMERGENCY_7119"]))
    app.extensions[HANDLER_KEY] = EventHandler(conversation, EventClaims(database), exchanges, sender)
    if cfg["LINE_CHANNEL_SECRET"]:
        app.extensions[PARSER_KEY] = WebhookParser(cfg["LINE_CHANNEL_SECRET"])
    else:
        log.warning("LINE_CHANNEL_SECRET is not set: /callback refuses every request (503)")
