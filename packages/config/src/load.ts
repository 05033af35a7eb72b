import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { findConfigFile, readConfigFile } from './config-file.js';
import { applyEnvOverrides } from './env-overrides.js';
import { configErrorMap, problemsFromIssues } from './issues.js';
import { berthConfigSchema } from './schema.js';
import type { BerthConfig } from './types.js';

export interface LoadConfigOptions {
  /** Command-line arguments after the script name; `--config FILE` / `--config=FILE` is read, the rest ignored. */
  argv?: readonly string[];
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths (the config file, dataDir, database.dataDir, storage.fs.root, auth.signingKeyFile). Defaults to process.cwd(). */
  cwd?: string;
}

function resolvePaths(config: BerthConfig, cwd: string): BerthConfig {
  const { signingKeyFile } = config.auth;
  return {
    ...config,
    dataDir: resolve(cwd, config.dataDir),
    database: { ...config.database, dataDir: resolve(cwd, config.database.dataDir) },
    storage: config.storage.driver === 'fs' ? { driver: 'fs', fs: { root: resolve(cwd, config.storage.fs.root) } } : config.storage,
    auth: signingKeyFile !== undefined ? { ...config.auth, signingKeyFile: resolve(cwd, signingKeyFile) } : config.auth,
  };
}

/**
 * Berth's configuration: defaults, overlaid by the YAML file (`--config`, else BERTH_CONFIG), overlaid
 * by the environment (DATABASE_URL and REDIS_URL, then BERTH_<SECTION>__<SETTING>). Throws
 * ConfigError listing every problem at once. The only place in Berth that reads process.env.
 */
export function loadConfig(options: LoadConfigOptions = {}): BerthConfig {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();

  const location = findConfigFile(argv, env, cwd);
  const fileData = location !== undefined ? readConfigFile(location) : {};
  const { data, sources, problems } = applyEnvOverrides(fileData, env);

  const result = berthConfigSchema.safeParse(data, { error: configErrorMap });
  if (!result.success) problems.push(...problemsFromIssues(result.error.issues, sources));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const config = resolvePaths(result.data, cwd);
  if (config.projects.length === 0) return config;
  // A later source overrides an earlier one, so the last variable that set (part of) `projects` wins.
  const fromEnv = sources.filter((source) => source.path[0] === 'projects').at(-1)?.envVar;
  const declaredIn = fromEnv ?? location?.path;
  return declaredIn !== undefined ? { ...config, projectsDeclaredIn: declaredIn } : config;
}
