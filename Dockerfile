# One image for the API, the claim worker and the demo job; the command picks the process
# (node --import tsx services/api/src/main.ts, services/claim-worker/src/main.ts or scripts/demo.ts).
FROM node:20.19-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/client/package.json packages/client/
COPY services/api/package.json services/api/
COPY services/claim-worker/package.json services/claim-worker/
COPY apps/console/package.json apps/console/
RUN npm ci --omit=dev --no-audit --no-fund

# The operator console is built with vite (a dev dependency); only its dist/ goes into the image.
FROM node:20.19-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/shared/package.json packages/shared/
COPY services/api/package.json services/api/
COPY services/claim-worker/package.json services/claim-worker/
COPY packages/client packages/client
COPY apps/console apps/console
RUN npm ci --no-audit --no-fund && npm run build -w @taskclaim/console

FROM node:20.19-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
COPY scripts ./scripts
COPY --from=console /app/apps/console/dist ./apps/console/dist
USER node
EXPOSE 3000
# node as the command, so SIGTERM reaches the process that drains; run with --init (compose: init: true)
# so PID 1 reaps and passes signals on. tsx is only node's loader here: each file is compiled once at start.
CMD ["node", "--import", "tsx", "services/api/src/main.ts"]
