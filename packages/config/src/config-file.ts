import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';
import { CONFIG_FILE_ENV } from './env-overrides.js';
import { isRecord } from './records.js';

export interface ConfigFileLocation {
  /** Absolute path. */
  path: string;
  /** What named it: `--config` or `BERTH_CONFIG`. */
  givenBy: string;
}

const FLAG = '--config';

/** `--config FILE` or `--config=FILE` (the last one wins), else BERTH_CONFIG, else no file. */
export function findConfigFile(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ConfigFileLocation | undefined {
  let fromArgv: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    let value: string | undefined;
    if (arg === FLAG) {
      value = argv[index + 1];
      index++;
    } else if (arg?.startsWith(`${FLAG}=`)) {
      value = arg.slice(FLAG.length + 1);
    } else {
      continue;
    }
    if (value === undefined || value === '') {
      throw new ConfigError([{ path: FLAG, message: 'expects a file path (--config FILE or --config=FILE)' }]);
    }
    fromArgv = value;
  }
  if (fromArgv !== undefined) return { path: resolve(cwd, fromArgv), givenBy: FLAG };

  const fromEnv = env[CONFIG_FILE_ENV];
  if (fromEnv === undefined) return undefined;
  if (fromEnv === '') throw new ConfigError([{ path: CONFIG_FILE_ENV, message: 'is empty; unset it or name a file' }]);
  return { path: resolve(cwd, fromEnv), givenBy: CONFIG_FILE_ENV };
}

function readText(location: ConfigFileLocation): string {
  try {
    return readFileSync(location.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: location.path, message: `cannot read the configuration file (${reason}; given by ${location.givenBy})` }]);
  }
}

/** Read and parse the YAML file into plain data. An empty file is an empty configuration. */
export function readConfigFile(location: ConfigFileLocation): Record<string, unknown> {
  const text = readText(location);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: `${location.path}:${line}:${col}`, message: `YAML syntax error: ${error.message}` };
      }),
    );
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // e.g. an alias to an anchor that does not exist
    throw new ConfigError([{ path: location.path, message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  if (data === null || data === undefined) return {};
  if (!isRecord(data)) {
    throw new ConfigError([{ path: location.path, message: 'the top level must be a mapping of settings (server:, storage:, ...)' }]);
  }
  return data;
}
