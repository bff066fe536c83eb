# Slim image that runs the bot as a non-root user with its SQLite database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BOT_DATABASE__URL=sqlite+aiosqlite:////data/bot.db \
    BOT_BOT__HEARTBEAT_FILE=/tmp/groupbot.heartbeat

RUN useradd --create-home --uid 10001 bot \
    && mkdir -p /data \
    && chown bot:bot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY core ./core
COPY handlers ./handlers
COPY storage ./storage
RUN pip install .

USER bot
VOLUME ["/data"]
# Webhook mode listens here (see config.example.toml); polling mode needs no port.
EXPOSE 8443

# The running bot rewrites its heartbeat file every 10 s; the check fails once it is over a
# minute old (event loop stuck, polling dead) or missing (the bot is not running).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

# SIGTERM stops the bot within bot.stop_seconds (8 s): updates not handled by then are
# handled after the restart, none twice. Docker's default stop timeout is 10 s; give more
# with `docker stop -t 30` or compose `stop_grace_period: 30s` if stop_seconds is raised.
STOPSIGNAL SIGTERM

# Settings come from the environment (TELEGRAM_BOT_TOKEN, BOT_<SECTION>__<KEY>) or from a
# config file mounted at /app/config.toml.
CMD ["python", "-m", "bot", "run"]
