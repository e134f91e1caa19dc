# syntax=docker/dockerfile:1
# The AEGIS image: one image for every role (`aegis run ingest-writer|collector|scorer|controller|api|
# simulator`, `aegis migrate`, `aegis simulate`, and `aegis start` all in one), used by
# docker-compose.yml. It cannot be built on the AEGIS development machines (no Docker engine); it is
# kept correct by review and by test/deploy.test.ts (folders, user, stages, health check).

# --- dependencies -------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --omit=dev keeps tsx, a runtime dependency: the CLI runs TypeScript directly, with no build step.
# --ignore-scripts: no install script is needed (see package.json#allowScripts), and the npm of this
# base image (10.x) does not know allowScripts, so it would otherwise run them.
# chdb's engine (@chdb/lib-linux-x64-gnu, ~540 MB) stays: `aegis start`, the default command, runs on
# it. Roles on a ClickHouse server never load it (core/warehouse imports the embedded driver on first
# use), so an image for cluster roles only could leave it out.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    AEGIS_DATA_DIR=/data
WORKDIR /app
# Code and dependencies stay owned by root: the node user runs them and cannot change them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
# Every top-level folder the CLI's imports reach (test/deploy.test.ts computes the graph).
COPY bin ./bin
COPY cli ./cli
COPY core ./core
COPY schemas ./schemas
COPY ingest ./ingest
COPY models ./models
COPY scoring ./scoring
COPY control ./control
COPY api ./api
# Read at runtime relative to /app: the example catalog and SLOs (scoring.catalogDir / sloDir when the
# simulator is off) and the policies (control.policyDir, ./policies).
COPY catalog ./catalog
COPY slos ./slos
COPY policies ./policies
# /data/keys exists in the image so that a fresh named volume mounted there (the audit signing key
# shared by controller and API) starts owned by node, as Docker copies the image's directory into it.
RUN mkdir -p /data/keys && chown -R node:node /data
USER node
# 4318: the collector's OTLP/HTTP receiver. 4000: the API (GraphQL, /healthz, /readyz, /metrics).
# The other roles serve /healthz, /readyz and /metrics on the metrics port (AEGIS_METRICS_PORT, 9464).
EXPOSE 4318 4000
# The API's /healthz (role `api`, and `start`). docker-compose.yml probes the other roles on the
# metrics port instead, and disables the check for the one-shot migrate. Node's own fetch: the slim
# image has no curl or wget.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AEGIS_API_PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/aegis.js"]
# `start` is the embedded all-in-one mode: it needs nats-server on PATH unless AEGIS_NATS_URL is set.
CMD ["start"]
