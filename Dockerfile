# syntax=docker/dockerfile:1
# The AEGIS image: one image for every role (`aegis run ingest-writer|collector|simulator`,
# `aegis migrate`, `aegis simulate`), used by docker-compose.yml. It cannot be built on the AEGIS
# development machines (no Docker engine); it is kept correct by review.

# --- dependencies -------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --omit=dev keeps tsx, a runtime dependency: the CLI runs TypeScript directly, with no build step.
# --ignore-scripts: no install script is needed (see package.json#allowScripts), and the npm of this
# base image (10.x) does not know allowScripts, so it would otherwise run them.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    AEGIS_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
# Source folders the roles import; add new top-level folders (scoring, control, api…) here.
COPY bin ./bin
COPY core ./core
COPY schemas ./schemas
COPY ingest ./ingest
COPY cli ./cli
RUN mkdir -p /data && chown node:node /data
USER node
# OTLP/HTTP receiver of the collector role.
EXPOSE 4318
ENTRYPOINT ["node", "bin/aegis.js"]
# `start` is the embedded all-in-one mode: it needs nats-server on PATH unless AEGIS_NATS_URL is set.
CMD ["start"]
