"""The support-programme navigator (支援制度ナビ): a few quick-reply questions, then the programmes that may apply."""
