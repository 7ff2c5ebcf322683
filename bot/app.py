"""The composition root: the one place that creates the bot's services and hands them to the
blueprints (the LINE webhook, the staff console and, in development, the local LINE emulator).

Nothing else creates a store, a sender or a searcher; modules receive what they use.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from linebot.v3 import WebhookParser

from bot.config import DEFAULT_DESK_HOURS, ConfigError, check_production, config_from_env, is_production
from bot.console import init_console
from bot.conversation.conversation import Conversation
from bot.conversation.smalltalk import Smalltalk, SmalltalkError
from bot.desk.handoff import Handoff
from bot.desk.hours import DeskHoursError, desk_hours_from_config
from bot.desk.service import DeskService
from bot.desk.tickets import TicketStore
from bot.disaster import mode_reader
from bot.faq_directory import FaqDirectory
from bot.language.chat import ChatLanguages
from bot.language.memory import LanguageMemory
from bot.line.claims import EventClaims
from bot.line.client import LineSender
from bot.line.handler import EventHandler
from bot.line.identity import UserHasher
from bot.line.webhook import init_webhook
from bot.records.exchanges import ExchangeLog
from bot.services import EXTENSION_KEY, BotServices
from bot.storage import BotDatabase, utc_now_iso
from faq.clock import SYSTEM_CLOCK, Clock
from faq.store import FaqStore
from index.config import cache_from_env, make_embedder, search_config_from_env
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

    services = build_services(app.config)
    app.extensions[EXTENSION_KEY] = services
    parser = WebhookParser(app.config["LINE_CHANNEL_SECRET"]) if app.config["LINE_CHANNEL_SECRET"] else None
    if parser is None:
        log.warning("LINE_CHANNEL_SECRET is not set: /callback refuses every request (503)")
    init_webhook(app, services.events, parser)
    init_console(app, services, make_embedder, cache_from_env)

    @app.errorhandler(413)
    def _too_large(_exc):
        log.warning("request refused (413): body larger than %s bytes", app.config["MAX_CONTENT_LENGTH"])
        return jsonify(status="refused", reason="body too large"), 413

    @app.get("/healthz")
    def healthz():
        health = services.searcher.health()
        return jsonify(status="degraded" if health.degraded else "ok", entries=health.entries,
                       problem=health.problem)

    if app.config.get("FAQBOT_EMULATOR") and not is_production(app.config):
        from bot.emulator.chat import mount_emulator
        mount_emulator(app, api_prefix=EMULATOR_API_PREFIX)
    return app


def build_services(cfg) -> BotServices:
    """Every service of the bot, wired once from the configuration."""
    clock = cfg.get("FAQBOT_CLOCK") or SYSTEM_CLOCK
    desk_clock = clock.now if isinstance(clock, Clock) else clock
    try:
        hours = desk_hours_from_config(cfg)
    except DeskHoursError as exc:
        raise ConfigError(str(exc)) from None
    try:
        smalltalk = Smalltalk.load(cfg.get("FAQBOT_SMALLTALK") or "faq/smalltalk.yaml")
    except SmalltalkError as exc:
        raise ConfigError(str(exc)) from None
    FaqStore.open(cfg["FAQBOT_DB"]).close()  # the knowledge base's tables exist before any event
    database = BotDatabase(cfg["FAQBOT_DB"])

    def store_entries():
        store = FaqStore.open(cfg["FAQBOT_DB"])
        try:
            return store.list()
        finally:
            store.close()

    searcher = Searcher(cfg["FAQBOT_INDEX_DIR"], make_embedder, search_config_from_env(),
                        lexical_fallback=store_entries)
    exchanges = ExchangeLog(database)
    hasher = UserHasher(database.user_hash_salt(cfg["FAQBOT_USER_HASH_SALT"]))
    faqs = FaqDirectory(database.conn)
    sender = LineSender(cfg["LINE_API_ENDPOINT"], cfg["LINE_CHANNEL_ACCESS_TOKEN"],
                        read_timeout=float(cfg["LINE_READ_TIMEOUT"]))
    tickets = TicketStore(database)
    desk = DeskService(tickets, sender, cfg["FAQBOT_DESK_PHONE"])
    handoff = Handoff(tickets, database, faqs, hours, minutes_per_ticket=cfg["FAQBOT_DESK_MINUTES_PER_TICKET"],
                      desk_phone=cfg["FAQBOT_DESK_PHONE"], desk_hours_text=cfg["FAQBOT_DESK_HOURS"],
                      clock=desk_clock)
    services = BotServices(clock=clock, database=database, searcher=searcher, exchanges=exchanges,
                           tickets=tickets, desk=desk, handoff=handoff, sender=sender,
                           conversation=None, events=None)  # type: ignore[arg-type]
    services.conversation = Conversation(lambda: services.searcher, faqs, exchanges, hasher,
                                         cfg["FAQBOT_DESK_PHONE"], cfg["FAQBOT_DESK_HOURS"], handoff=handoff,
                                         disaster_mode=mode_reader(database.conn),
                                         emergency_7119=bool(cfg["FAQBOT_EMERGENCY_7119"]),
                                         languages=ChatLanguages(LanguageMemory(database.conn, utc_now_iso)),
                                         smalltalk=smalltalk, help_contact=cfg.get("FAQBOT_MULTILINGUAL_HELP", ""),
                                         default_hours=DEFAULT_DESK_HOURS)
    services.events = EventHandler(services.conversation, EventClaims(database), exchanges, sender)
    return services
