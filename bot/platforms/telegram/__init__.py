"""Telegram: python-telegram-bot <-> neutral events and the ChatPort; Telegram HTML."""
