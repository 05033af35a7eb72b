export { loadConfig } from './load.js';
export type { LoadConfigOptions } from './load.js';
export { ConfigError } from './config-error.js';
export type { ConfigProblem } from './config-error.js';
export { berthConfigSchema } from './schema.js';
export { configuredUpstreams, projectSchema, upstreamNameOf } from './projects-schema.js';
export { configErrorMap } from './issues.js';
export type { BerthConfigInput } from './schema.js';
export { envVarName } from './env-overrides.js';
export { LOG_LEVELS } from './types.js';
export type {
  AdminAccountConfig,
  AuthConfig,
  BerthConfig,
  ReferrersCacheConfig,
  JobsConfig,
  DatabaseConfig,
  FsStorageConfig,
  HostedProjectConfig,
  ProxyProjectConfig,
  SignaturePolicyConfig,
  SecretsConfig,
  UpstreamConfig,
  UpstreamTimeoutsConfig,
  LimitsConfig,
  LockoutConfig,
  LogConfig,
  LogLevel,
  ProjectConfig,
  ProjectKind,
  RedisConfig,
  S3StorageConfig,
  ServerConfig,
  StorageConfig,
  StorageDriver,
} from './types.js';
