#!/usr/bin/env node
import { closeOnSignals, createLogger, loadConfigOrExit, runMain } from '@berth/runtime';
import { startServer } from './server.js';

/** Composition root: configuration → drivers → services → HTTP. */
runMain('berth', async () => {
  const config = loadConfigOrExit('berth');
  const logger = createLogger(config);
  const server = await startServer(config, logger);
  logger.info(
    {
      url: server.url,
      database: config.database.url !== undefined ? 'postgres' : `pglite:${config.database.dataDir}`,
      storage: config.storage.driver === 's3' ? `s3:${config.storage.s3.bucket}` : `fs:${config.storage.fs.root}`,
      jobs: config.redis.url === undefined ? 'in this process' : config.jobs.worker === 'on' ? 'in this process and berth-worker processes' : 'queued for berth-worker processes',
    },
    `berth listening on ${server.url}`,
  );
  closeOnSignals(logger, () => server.close());
});
