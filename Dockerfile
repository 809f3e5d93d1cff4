# One image for every Python service of the platform; compose.yaml picks the command.

# GraphiQL's assets, pinned by the committed package-lock.json (the router serves them itself,
# never from a CDN; `make graphiql` does the same outside containers).
FROM node:22-bookworm-slim AS graphiql
WORKDIR /assets
COPY router/http/graphiql/package.json router/http/graphiql/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir "uv==0.13.8"
WORKDIR /app

# Dependencies first (cached while only the source changes), from the lock file exactly.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
COPY --from=graphiql /assets/node_modules router/http/graphiql/node_modules
RUN uv sync --frozen --no-dev

RUN useradd --create-home --uid 10001 app && chown -R app /app
USER app

CMD ["stack", "list"]
