import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.js';

/**
 * Versions of the projects' content shared by the replicas (core's `ContentVersions` port,
 * structurally): `<prefix>cv:<projectId>`, a counter each write increments. Reading it is one GET,
 * so a replica can tell in one round trip whether an answer it remembers is still current.
 */
export class RedisContentVersions {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { keyPrefix?: string } = {},
  ) {
    this.prefix = `${options.keyPrefix ?? 'berth:'}cv:`;
  }

  async current(projectId: number): Promise<string> {
    try {
      return (await this.redis.get(`${this.prefix}${projectId}`)) ?? '0';
    } catch (error) {
      throw new RedisUnavailableError(`reading the content version of project ${projectId}`, { cause: error });
    }
  }

  async bump(projectId: number): Promise<void> {
    try {
      await this.redis.incr(`${this.prefix}${projectId}`);
    } catch (error) {
      throw new RedisUnavailableError(`changing the content version of project ${projectId}`, { cause: error });
    }
  }
}
