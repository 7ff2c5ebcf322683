"""The composition root: the one place that creates the bot's services and hands them to the
blueprints (the LINE webhook, the staff console and, in development, the local LINE emulator).

Nothing else creates a store, a sender or a searcher; modules receive what they use.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import Flask, jsonify
from linebot.v3 import WebhookParser

from bot.config import (
    DEFAULT_DESK_HOURS,
    ConfigError,
    check_production,
    config_from_env,
    is_production,
)
from bot.console import init_console
from bot.console.services import console_services
from bot.conversation.conversation import Conversation
from bot.conversation.smalltalk import DEFAULT_PATH as SMALLTALK_FILE
from bot.conversation.smalltalk import Smalltalk, SmalltalkError
from bot.desk.handoff import Handoff
from bot.desk.hours import DeskHoursError, desk_hours_from_config
from bot.desk.service import DeskService
from bot.desk.tickets import TicketStore
from bot.disaster.support import build_disaster_support
from bot.disaster_mode import DisasterModes
from bot.faq_directory import FaqDirectory
from bot.language.chat import ChatLanguages
from bot.language.memory import LanguageMemory
from bot.line.answering import QUEUE, AnswerWorkers, choose_mode
from bot.line.claims import EventClaims
from bot.line.client import LineSender
from bot.line.handler import EventHandler
from bot.line.identity import UserHasher
from bot.line.queue import EventQueue
from bot.line.webhook import init_webhook
from bot.records.exchanges import ExchangeLog
from bot.richmenu.switch import follow_disaster_mode
from bot.services import EXTENSION_KEY, BotServices
from bot.settings import SettingsStore
from bot.startup import prepare_in_background, require_knowledge_base
from bot.storage import BotDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import dialect
from faq.store import FaqStore
from index.config import cache_from_env, make_embedder, search_config_from_env
from index.prepare import prepare_knowledge_base
from index.search import Searcher
from index.share import BuildShare

log = logging.getLogger(__name__)

EMULATOR_API_PREFIX = "/line-api"


def create_app(config: dict | None = None, *, default_env: str = "development", prepare: bool = False) -> Flask:
    """The bot's Flask app. ``default_env``: the environment when FAQBOT_ENV is unset ("production" from
    ``wsgi.py``). ``prepare`` (wsgi.py): in development, import the seed FAQ into an empty database and build
    a missing index in the background. In production the app never starts without FAQ entries and an index,
    unless FAQBOT_ALLOW_EMPTY."""
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.config.from_mapping(config_from_env(default_env=default_env))
    if config:
        app.config.from_mapping(config)
    check_production(app.config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    services = build_services(app.config)
    app.extensions[EXTENSION_KEY] = services
    if is_production(app.config):
        require_knowledge_base(services, _active_entries(app.config["FAQBOT_DB"]),
                               allow_empty=bool(app.config.get("FAQBOT_ALLOW_EMPTY")))
    elif prepare:
        db, index_dir = app.config["FAQBOT_DB"], app.config["FAQBOT_INDEX_DIR"]
        prepare_in_background(lambda: prepare_knowledge_base(db, index_dir))
    parser = WebhookParser(app.config["LINE_CHANNEL_SECRET"]) if app.config["LINE_CHANNEL_SECRET"] else None
    if parser is None:
        log.warning("LINE_CHANNEL_SECRET is not set: /callback refuses every request (503)")
    init_webhook(app, services.events, parser, services.answer_workers)
    if services.answer_workers is not None:
        log.info("answering mode: queue (%d answering thread(s) per process; FAQBOT_ANSWER_MODE=inline "
                 "answers inside the webhook request)", services.answer_workers.threads)
        services.answer_workers.ensure_running()
    else:
        log.info("answering mode: inline (in the webhook request; FAQBOT_ANSWER_MODE=queue stores events "
                 "for answering threads)")
    init_console(app, services, make_embedder, cache_from_env, share_factory(app.config))
    services.learn_wording = console_services(app).proposals.from_resident

    @app.errorhandler(413)
    def _too_large(_exc):
        log.warning("request refused (413): body larger than %s bytes", app.config["MAX_CONTENT_LENGTH"])
        return jsonify(status="refused", reason="body too large"), 413

    @app.get("/healthz")
    def healthz():
        # No login here: the status word and the served build's name only (a timestamp and random hex, so an
        # operator sees that every host serves the same build). The reason (paths, exception text) is in
        # the log and on the staff console.
        health = services.searcher.health()
        served = {"build": health.build} if health.build else {}
        if not (health.ready and health.published):  # no index built yet: take no traffic
            return jsonify(status="not-ready", **served), 503
        return jsonify(status="degraded" if health.degraded else "ok", **served)

    if app.config.get("FAQBOT_EMULATOR") and not is_production(app.config):
        from bot.emulator.chat import mount_emulator
        mount_emulator(app, api_prefix=EMULATOR_API_PREFIX)
    return app


def share_factory(cfg) -> Callable[[], BuildShare | None]:
    """Where index builds are shared between hosts (the database), or nothing (one host)."""
    if not cfg.get("FAQBOT_INDEX_SHARE"):
        return lambda: None
    clock = cfg.get("FAQBOT_CLOCK") or SYSTEM_CLOCK
    return lambda: BuildShare(cfg["FAQBOT_DB"], clock)


def _active_entries(db_path: str) -> int:
    store = FaqStore.open(db_path)
    try:
        return store.count()
    finally:
        store.close()


def _learner(services: BotServices):
    """The conversation's hook, read through the services (the console sets it after they exist)."""
    def learn(faq_id: str, wording: str) -> None:
        if services.learn_wording is not None:
            services.learn_wording(faq_id, wording)
    return learn


def build_services(cfg) -> BotServices:
    """Every service of the bot, wired once from the configuration."""
    clock = cfg.get("FAQBOT_CLOCK") or SYSTEM_CLOCK
    if not isinstance(clock, Clock):
        raise ConfigError("FAQBOT_CLOCK は faq.clock.Clock にしてください / FAQBOT_CLOCK must be a faq.clock.Clock")
    try:
        hours = desk_hours_from_config(cfg)
    except DeskHoursError as exc:
        raise ConfigError(str(exc)) from None
    try:
        smalltalk = Smalltalk.load(cfg.get("FAQBOT_SMALLTALK") or SMALLTALK_FILE)
    except SmalltalkError as exc:
        raise ConfigError(str(exc)) from None
    FaqStore.open(cfg["FAQBOT_DB"], clock).close()  # the knowledge base's tables exist before any event
    database = BotDatabase(cfg["FAQBOT_DB"])
    settings = SettingsStore(database, clock)
    disaster = DisasterModes(settings, clock, on_switch=follow_disaster_mode)  # the rich menu follows

    def store_entries():
        store = FaqStore.open(cfg["FAQBOT_DB"], clock)
        try:
            return store.list()
        finally:
            store.close()

    searcher = Searcher(cfg["FAQBOT_INDEX_DIR"], make_embedder, search_config_from_env(),
                        lexical_fallback=store_entries, share=share_factory(cfg)(),
                        sync_seconds=cfg["FAQBOT_INDEX_SYNC_SECONDS"])
    exchanges = ExchangeLog(database, clock)
    if is_production(cfg) and not cfg["FAQBOT_USER_HASH_SALT"]:  # never generated into the database
        raise ConfigError("本番モードでは FAQBOT_USER_HASH_SALT の設定が必要です / FAQBOT_USER_HASH_SALT is required in production")
    hasher = UserHasher(settings.user_hash_salt(cfg["FAQBOT_USER_HASH_SALT"]))
    faqs = FaqDirectory(database.conn)
    sender = LineSender(cfg["LINE_API_ENDPOINT"], cfg["LINE_CHANNEL_ACCESS_TOKEN"],
                        read_timeout=float(cfg["LINE_READ_TIMEOUT"]))
    tickets = TicketStore(database, clock)
    desk = DeskService(tickets, sender, cfg["FAQBOT_DESK_PHONE"])
    handoff = Handoff(tickets, exchanges, faqs, hours, minutes_per_ticket=cfg["FAQBOT_DESK_MINUTES_PER_TICKET"],
                      desk_phone=cfg["FAQBOT_DESK_PHONE"], desk_hours_text=cfg["FAQBOT_DESK_HOURS"],
                      clock=clock)
    services = BotServices(clock=clock, database=database, settings=settings, disaster=disaster,
                           searcher=searcher, exchanges=exchanges, tickets=tickets, desk=desk, handoff=handoff, sender=sender,
                           conversation=None, events=None)  # type: ignore[arg-type]
    services.support = build_disaster_support(cfg["FAQBOT_DB"], clock,
                                              faq_exists=lambda faq_id: faqs.get(faq_id) is not None)
    services.conversation = Conversation(lambda: services.searcher, faqs, exchanges, hasher,
                                         cfg["FAQBOT_DESK_PHONE"], cfg["FAQBOT_DESK_HOURS"], handoff=handoff,
                                         disaster_mode=disaster.current,
                                         emergency_7119=bool(cfg["FAQBOT_EMERGENCY_7119"]),
                                         languages=ChatLanguages(LanguageMemory(database.conn, clock.now_iso)),
                                         smalltalk=smalltalk, help_contact=cfg.get("FAQBOT_MULTILINGUAL_HELP", ""),
                                         default_hours=DEFAULT_DESK_HOURS,
                                         support=services.support, learn_wording=_learner(services))
    claims = EventClaims(database)
    services.events = EventHandler(services.conversation, claims, exchanges, sender)
    if choose_mode(cfg.get("FAQBOT_ANSWER_MODE") or "", dialect(database.conn())) == QUEUE:
        services.answer_workers = AnswerWorkers(EventQueue(database, claims, clock), services.events,
                                                int(cfg.get("FAQBOT_ANSWER_THREADS", 1)))
    return services
