# Slim image that runs the bot as a non-root user with its SQLite database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BOT_DATABASE__URL=sqlite+aiosqlite:////data/bot.db

RUN useradd --create-home --uid 10001 bot \
    && mkdir -p /data \
    && chown bot:bot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install .

USER bot
VOLUME ["/data"]
# Webhook mode listens here (see config.example.toml); polling mode needs no port.
EXPOSE 8443

# Settings come from the environment (TELEGRAM_BOT_TOKEN, BOT_<SECTION>__<KEY>) or from a
# config file mounted at /app/config.toml.
CMD ["python", "-m", "bot", "run"]
