import type { Redis } from 'ioredis';
import { closeRedisClient } from './client.js';
import { RedisUnavailableError } from './errors.js';

/**
 * Versions of the projects' content shared by the replicas (core's `ContentVersions` port,
 * structurally): `<prefix>cv:<projectId>`, a counter each write increments. Reading it is one GET,
 * so a replica can tell in one round trip whether an answer it remembers is still current.
 *
 * Each change is also published on `<prefix>cv-changes` as `<projectId>` or `<projectId> <repository>`,
 * so that every process listening drops what it remembers of that content at once (a lost notice
 * only leaves memories to their maximum age).
 */
export class RedisContentVersions {
  private readonly prefix: string;
  private readonly channel: string;
  private readonly listeners: Array<(projectId: number, repository: string | undefined) => void> = [];
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    options: { keyPrefix?: string } = {},
  ) {
    this.prefix = `${options.keyPrefix ?? 'berth:'}cv:`;
    this.channel = `${options.keyPrefix ?? 'berth:'}cv-changes`;
  }

  onChange(listener: (projectId: number, repository: string | undefined) => void): void {
    this.listeners.push(listener);
    if (this.subscriber !== undefined) return;
    // A subscribed connection can do nothing else: a second one, reconnecting (and resubscribing) on its own.
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // reported by the main client's logging; notices resume on reconnect
    subscriber.on('message', (_channel: string, message: string) => {
      const space = message.indexOf(' ');
      const projectId = Number(space < 0 ? message : message.slice(0, space));
      if (!Number.isSafeInteger(projectId)) return;
      const repository = space < 0 ? undefined : message.slice(space + 1);
      for (const notify of this.listeners) notify(projectId, repository);
    });
    subscriber.subscribe(this.channel).catch(() => undefined);
  }

  /** Stop listening (the shared client is closed by its owner). */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined) await closeRedisClient(subscriber);
  }

  async current(projectId: number): Promise<string> {
    try {
      return (await this.redis.get(`${this.prefix}${projectId}`)) ?? '0';
    } catch (error) {
      throw new RedisUnavailableError(`reading the content version of project ${projectId}`, { cause: error });
    }
  }

  async bump(projectId: number, repository?: string): Promise<void> {
    try {
      await this.redis.multi().incr(`${this.prefix}${projectId}`).publish(this.channel, repository === undefined ? String(projectId) : `${projectId} ${repository}`).exec();
    } catch (error) {
      throw new RedisUnavailableError(`changing the content version of project ${projectId}`, { cause: error });
    }
  }
}
