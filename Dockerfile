# syntax=docker/dockerfile:1

# SEEK GraphQL gateway: multi-stage image.
#   docker build -t seek-gateway .                                  # production (the last stage, runtime)
#   docker run --init -p 4000:4000 seek-gateway                     # needs SEEK_* credentials (NODE_ENV=production)
#   docker build --target simulator -t seek-gateway:simulator .     # the same, plus the embedded default
#   docker run --init -p 4000:4000 seek-gateway:simulator           # built-in SEEK simulator, no credentials
# The production image holds no simulator code: started without SEEK credentials (NODE_ENV
# overridden), it exits 1 saying to set SEEK_CLIENT_ID/SEEK_CLIENT_SECRET or use the simulator image.
# Override the base with --build-arg NODE_IMAGE=node:24-alpine.
ARG NODE_IMAGE=node:22-alpine

# ---- build: all dependencies, compile TypeScript to dist/; the embedded default set aside ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no project lifecycle hook (prepare/prestart) may run before the sources are here,
# and no dependency needs its install script to compile.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY schema ./schema
# The embedded default (dist/dev.js, and the compiled simulator and dev sources) moves to
# /app/dev-dist: dist/ keeps only what production runs, and only the simulator target copies it back.
RUN npm run build && node scripts/bundle.mjs --set-aside-dev /app/dev-dist

# ---- prod-deps: runtime dependencies only ----
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- simulator: the runtime image plus the embedded default (built-in SEEK simulator) ----
# Development only: NODE_ENV=development and no SEEK credentials run the embedded default.
# (Kept before runtime, so that runtime stays the last stage, the one a plain `docker build` makes.)
FROM ${NODE_IMAGE} AS simulator
ENV NODE_ENV=development \
    PORT=4000
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
COPY --from=build /app/dev-dist/ ./dist/
COPY schema ./schema
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=16", "dist/gateway.js"]

# ---- runtime (production, the default target): dist/ without the embedded default, schema/,
# node_modules, package.json; runs as the non-root `node` user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=4000
WORKDIR /app
# Files stay root-owned (read-only for the `node` user): the process cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
COPY schema ./schema
USER node
EXPOSE 4000
# Alpine has no curl: probe /health with Node's built-in fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# node itself is the process (no npm, no shell), so SIGTERM reaches it. `--init` / compose `init: true`
# adds a tiny init as PID 1 that forwards signals and reaps zombies.
CMD ["node", "--max-semi-space-size=16", "dist/gateway.js"]
