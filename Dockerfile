# Berth container image: the registry by default; the worker with
#   docker run ... berth node apps/worker/dist/main.js
# Checked without a Docker engine by test/deploy/dockerfile.test.ts.

# The package manifests alone, so both `npm ci` layers below are reused while only sources change.
# One line per workspace of the root package.json (the test checks they match).
FROM node:24-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/oci/package.json packages/oci/
COPY packages/config/package.json packages/config/
COPY packages/sendfile/package.json packages/sendfile/
COPY packages/storage/package.json packages/storage/
COPY packages/db/package.json packages/db/
COPY packages/upstream/package.json packages/upstream/
COPY packages/auth/package.json packages/auth/
COPY packages/redis/package.json packages/redis/
COPY packages/core/package.json packages/core/
COPY packages/jobs/package.json packages/jobs/
COPY packages/runtime/package.json packages/runtime/
COPY packages/signatures/package.json packages/signatures/
COPY apps/registry/package.json apps/registry/
COPY apps/worker/package.json apps/worker/
COPY apps/console/package.json apps/console/
# @berth/sendfile builds its native addon when installed: its install script and C source come along.
COPY packages/sendfile/binding.gyp packages/sendfile/build-addon.mjs packages/sendfile/
COPY packages/sendfile/src/sendfile.c packages/sendfile/src/sha256.c packages/sendfile/src/

# Compile every workspace to its dist/ (dev dependencies: TypeScript), and the sendfile addon
# (node-gyp needs python3, make and a C compiler; the image's own Node headers are used).
# `npm ci` runs without scripts: the root package's `prepare` (`npm run build`) needs the sources,
# copied only after this layer, and runs once below; the addon's install script is run by name.
FROM manifests AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild @berth/sendfile && test -f packages/sendfile/build/Release/berth_sendfile.node && test -f packages/sendfile/build/Release/berth_sha256.node
COPY tsconfig.base.json ./
COPY packages packages
COPY apps apps
RUN npm run build

# What runs: production dependencies, each workspace's dist/, the sendfile addon built above, and
# the SQL migrations (packages/db finds them at ../../../migrations from its dist/). No install
# scripts here: there is no compiler (the built addon is copied in) nor TypeScript (`prepare`).
FROM manifests AS runtime
ENV NODE_ENV=production
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/packages/oci/dist packages/oci/dist
COPY --from=build /app/packages/config/dist packages/config/dist
COPY --from=build /app/packages/sendfile/dist packages/sendfile/dist
COPY --from=build /app/packages/sendfile/build/Release/berth_sendfile.node /app/packages/sendfile/build/Release/berth_sha256.node packages/sendfile/build/Release/
COPY --from=build /app/packages/storage/dist packages/storage/dist
COPY --from=build /app/packages/db/dist packages/db/dist
COPY --from=build /app/packages/upstream/dist packages/upstream/dist
COPY --from=build /app/packages/auth/dist packages/auth/dist
COPY --from=build /app/packages/redis/dist packages/redis/dist
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/jobs/dist packages/jobs/dist
COPY --from=build /app/packages/runtime/dist packages/runtime/dist
COPY --from=build /app/packages/signatures/dist packages/signatures/dist
COPY --from=build /app/apps/registry/dist apps/registry/dist
COPY --from=build /app/apps/worker/dist apps/worker/dist
# The web console: static files the registry serves at / (built by Vite in the build stage).
COPY --from=build /app/apps/console/dist apps/console/dist
COPY migrations migrations
# dataDir (./data): spool files of blob fills; the embedded database and blobs when run without
# Postgres and S3. Owned by the unprivileged user the processes run as.
RUN mkdir data && chown node:node data
USER node
# 5000: registry (server.port); 5001: worker health and metrics (jobs.workerPort). No HEALTHCHECK here:
# the registry and the worker answer on different ports; docker-compose.yml gives each its own.
EXPOSE 5000 5001
CMD ["node", "apps/registry/dist/main.js"]
