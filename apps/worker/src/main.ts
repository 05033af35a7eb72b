#!/usr/bin/env node
import { ConfigError, loadConfig } from '@berth/config';
import { createLogger } from '@berth/runtime';
import { startWorker } from './worker.js';

/** Composition root of a worker process: configuration → drivers → services → jobs. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ argv: process.argv.slice(2) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`berth-worker: invalid configuration\n${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const worker = await startWorker(config, logger);
  logger.info({ url: worker.url, concurrency: config.jobs.concurrency }, `berth worker running; health and metrics on ${worker.url}`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`berth-worker: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
