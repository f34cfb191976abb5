# syntax=docker/dockerfile:1.7
# Gateway: REST API, websocket relay and the built dashboard. No models, no ffmpeg.
# Build from the repository root: container/build.sh -r <registry> (or
#   docker build -f container/gateway.Dockerfile -t <registry>/ei-gateway .)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install with dev dependencies, compile, then prune to production -------------
FROM ${NODE_IMAGE} AS build
# onnxruntime-node's npm package carries the CPU binaries; its install script only fetches
# GPU providers from GitHub, which a CPU image does not need.
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    ONNXRUNTIME_NODE_INSTALL=skip \
    PNPM_HOME=/pnpm \
    CI=true
RUN corepack enable
WORKDIR /app
# Dependencies first, from the lockfile alone, so source edits do not refetch them.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --store-dir /pnpm/store
COPY . .
# postinstall compiles TypeScript (tsc -b) and generates models/ from the npm registry.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --frozen-lockfile --store-dir /pnpm/store
# The dashboard (Vue + Vite) is built into dashboard/dist, which the gateway serves.
RUN if [ -f dashboard/package.json ]; then pnpm --filter ./dashboard run build; fi \
 && mkdir -p dashboard/dist
# Production dependencies only, installed afresh: `pnpm install --prod` over the full
# install unlinks dev dependencies but leaves them in node_modules/.pnpm (measured: 1 GB
# -> 690 MB fresh, 270 MB after the next step). dist/ and models/ are kept. src/ stays
# too (about 1 MB): @ei/core reads its Lua scripts from src/queue/lua at run time.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    rm -rf node_modules services/*/node_modules dashboard/node_modules \
 && pnpm install --prod --offline --frozen-lockfile --ignore-scripts --store-dir /pnpm/store \
 && rm -f services/*/tsconfig.tsbuildinfo
# Not needed at run time: onnxruntime's macOS and Windows binaries, and the npm-shipped
# ffmpeg (the producer image uses Debian's, FFMPEG_PATH). The models' build tools (the
# converter and its TF.js sources, 420 MB) are dev dependencies of @ei/models: the
# production install above leaves them out; models/ was generated before it.
RUN rm -rf node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node/bin/napi-v*/darwin \
      node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node/bin/napi-v*/win32 \
      node_modules/.pnpm/@ffmpeg-installer+*

# ---- runtime ----------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    LOG_FORMAT=json
WORKDIR /app
# Owned by root, read-only to the service user: the process cannot alter its own code.
COPY --from=build /app/package.json /app/pnpm-workspace.yaml ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/services ./services
COPY --from=build /app/dashboard/dist ./dashboard/dist
# A numeric user, so Kubernetes can verify runAsNonRoot.
USER 10001:10001
# 8080: API, websockets, dashboard, probes. 8002: /metrics and the probes (the ops port).
EXPOSE 8080 8002
# It starts only with a token (EI_API_TOKEN, from a Secret) or EI_GATEWAY_INSECURE=1.
# node is PID 1: the CLI handles SIGTERM itself (finishes work in hand, then exits).
ENTRYPOINT ["node", "--single-threaded-gc", "/app/services/cli/bin/ei.js"]
CMD ["gateway", "--port", "8080"]
