#!/usr/bin/env node
import { ConfigError, loadConfig } from '@berth/config';
import { createLogger, startServer } from './server.js';

/** Composition root: configuration → drivers → services → HTTP. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ argv: process.argv.slice(2) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`berth: invalid configuration\n${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const server = await startServer(config, logger);
  logger.info(
    {
      url: server.url,
      database: config.database.url !== undefined ? 'postgres' : `pglite:${config.database.dataDir}`,
      storage: config.storage.driver === 's3' ? `s3:${config.storage.s3.bucket}` : `fs:${config.storage.fs.root}`,
    },
    `berth listening on ${server.url}`,
  );
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
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
  process.stderr.write(`berth: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
