# syntax=docker/dockerfile:1
# MCP Orchestrator: one image serving the UI, the management API and the MCP gateway.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx next build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    ARCHESTRA_DATA_DIR=/app/data
RUN groupadd --system --gid 1001 app && useradd --system --uid 1001 --gid app --home /app app \
 && mkdir -p /app/data && chown app:app /app/data
# The app server (scripts/server.mjs) serves the gateway endpoint itself and everything else
# through Next.js, so it runs from the build with the production dependencies.
COPY --from=build --chown=app:app /app/node_modules ./node_modules
COPY --from=build --chown=app:app /app/.next ./.next
COPY --from=build --chown=app:app /app/public ./public
COPY --from=build --chown=app:app /app/package.json /app/next.config.ts /app/tsconfig.json ./
COPY --from=build --chown=app:app /app/scripts/server.mjs /app/scripts/request-entry.mjs ./scripts/
USER app
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "scripts/server.mjs"]
