import { ConfigError, loadConfig, type BerthConfig } from '@berth/config';
import { DataDirInUseError } from '@berth/db';
import type { Logger } from 'pino';

/** A failure to start that the message alone explains (a port in use): printed as one line, no stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** The configuration from argv and the environment; an invalid one ends the process with code 2. */
export function loadConfigOrExit(program: string): BerthConfig {
  try {
    return loadConfig({ argv: process.argv.slice(2) });
  } catch (error) {
    if (error instanceof ConfigError) exitOnConfigError(program, error);
    throw error;
  }
}

/** A configuration Berth refuses: printed as such, exit code 2 (nothing else was started). */
function exitOnConfigError(program: string, error: ConfigError): never {
  process.stderr.write(`${program}: invalid configuration\n${error.message}\n`);
  process.exit(2);
}

/** On SIGTERM or SIGINT: log, `close()` (once, whatever signals follow), and exit (1 when closing failed). */
export function closeOnSignals(logger: Logger, close: () => Promise<void>): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    close().then(
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

/**
/**
 * Run a process's main; a failure to start is printed and ends the process: a configuration
 * refused while starting (e.g. a project's kind changed) like an invalid one, code 2; otherwise
 * code 1, with one line for the failures a person fixes from the message (a port in use, a data
 * directory in use), the stack for the others.
 */
export function runMain(program: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) exitOnConfigError(program, error);
    process.stderr.write(`${program}: ${startFailureText(error)}
`);
    process.exit(1);
  });
}

function startFailureText(error: unknown): string {
  if (error instanceof StartupError || error instanceof DataDirInUseError) return error.message;
  return `failed to start: ${error instanceof Error ? error.stack : String(error)}`;
}
