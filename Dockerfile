# The claude-gateway image: the compiled gateway and its production dependencies on Node 24, run
# as the unprivileged `node` user, the gateway itself as PID 1 (SIGTERM drains: in-flight requests
# finish until DRAIN_TIMEOUT_SECONDS, 25 by default, then it exits 0), its SQLite file on a volume.
#
#   docker build -t claude-gateway .
#   docker run -p 8080:8080 -v gateway-data:/data claude-gateway
#
# Build arguments:
#   BASE_IMAGE            a Node.js 24 image with npm and /bin/sh (default: the official slim one)
#   NPM_CONFIG_REGISTRY   the npm registry to install from (a mirror behind a firewall)
# docs/deploy.md explains the rest (variables, volumes, health check, stop timeout).

ARG BASE_IMAGE=node:24-slim

# Stage 1: production dependencies, then the compiled output (tsc from the lockfile's version,
# emitting without type checking: CI type-checks the same source with every development type).
# The admin UI's browser files (src/admin/ui) stay: they are served as they are.
FROM ${BASE_IMAGE} AS build
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
WORKDIR /app
# .dockerignore lets in only the package files, the tsconfigs, src/ and bin/.
COPY . ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && TYPESCRIPT="$(node -p "require('./package-lock.json').packages['node_modules/typescript'].version")" \
 && npm install --prefix /tmp/typescript --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error "typescript@${TYPESCRIPT}" \
 && node /tmp/typescript/node_modules/typescript/bin/tsc -p tsconfig.image.json \
 && mv src/admin/ui /tmp/admin-ui && rm -rf src tsconfig*.json package-lock.json /tmp/typescript "$(npm config get cache)" \
 && mkdir -p src/admin && mv /tmp/admin-ui src/admin/ui \
 && mkdir -p /data

# Stage 2: what runs. Files owned by root and read-only to the gateway; only /data is writable.
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="claude-gateway" \
      org.opencontainers.image.description="Anthropic API gateway: passthrough, Bedrock fallback, keys, limits, usage" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    GATEWAY_DATA_DIR=/data
COPY --from=build /app /app
COPY --from=build --chown=node:node /data /data
WORKDIR /app
USER node
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
# /health answers 200 when ready, 503 while draining or while a store cannot be reached.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/claude-gateway.js"]
