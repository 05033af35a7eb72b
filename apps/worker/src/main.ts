#!/usr/bin/env node
import { closeOnSignals, createLogger, loadConfigOrExit, runMain } from '@berth/runtime';
import { startWorker } from './worker.js';

/** Composition root of a worker process: configuration → drivers → services → jobs. */
runMain('berth-worker', async () => {
  const config = loadConfigOrExit('berth-worker');
  if (config.redis.url === undefined) {
    process.stderr.write('berth-worker: invalid configuration\nredis.url (REDIS_URL) is required: workers share the job queue in Redis (without Redis the registry runs the jobs itself)\n');
    process.exit(2);
  }
  const logger = createLogger(config);
  const worker = await startWorker(config, logger);
  logger.info({ url: worker.url, concurrency: config.jobs.concurrency }, `berth worker running; health and metrics on ${worker.url}`);
  closeOnSignals(logger, () => worker.close());
});
