# fyrkant's production image (used by docker-compose.yml): Node 20 on Debian slim, espeak-ng for
# rendering prompts, running as an unprivileged user with config and data on volumes.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The script editor's browser bundle (esbuild) needs its build script and the scripts' JSON Schema.
COPY scripts/build-web.js ./scripts/
COPY ivr-scripts/schema.json ./ivr-scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 fyrkant \
 && useradd --system --uid 10001 --gid fyrkant --home-dir /var/lib/fyrkant --shell /usr/sbin/nologin fyrkant \
 && mkdir -p /etc/fyrkant /var/lib/fyrkant/data /var/lib/fyrkant/prompts \
 && chown -R fyrkant:fyrkant /var/lib/fyrkant
ENV NODE_ENV=production \
    FYRKANT_DATABASE__PATH=/var/lib/fyrkant/data/fyrkant.db \
    FYRKANT_IVR__PROMPT_CACHE_DIR=/var/lib/fyrkant/prompts
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY db ./db
COPY ivr-scripts ./ivr-scripts
# The web UI's static files are read from src/web/assets next to dist/ (with the built editor bundle).
COPY --from=build /app/src/web/assets ./src/web/assets
USER fyrkant
VOLUME ["/etc/fyrkant", "/var/lib/fyrkant/data", "/var/lib/fyrkant/prompts"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FYRKANT_HTTP__PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
