"""The LINE bot as a Flask application (application factory)."""
from __future__ import annotations

import logging

from flask import Flask, jsonify

from faq.store import FaqStore
from index.config import make_embedder, search_config_from_env
from index.search import Searcher

from .config import check_production, config_from_env


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
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

    app.extensions["faq_searcher"] = Searcher(app.config["FAQBOT_INDEX_DIR"], make_embedder,
                                              search_config_from_env(), lexical_fallback=store_entries)

    @app.get("/healthz")
    def healthz():
        searcher: Searcher = app.extensions["faq_searcher"]
        snap = searcher.snapshot
        return jsonify(status="ok" if snap is not None and snap.has_dense else "degraded",
                       entries=len(snap.entries) if snap else 0, problem=searcher.problem)

    return app
