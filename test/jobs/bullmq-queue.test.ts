import { afterAll, beforeAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { BullJobQueue, type BullJobQueueLogger } from '@berth/jobs';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { describeJobQueueContract } from './queue-contract.js';

// The BullMQ queue against the port's contract, on a throwaway redis-server. Every case gets a
// queue name and key prefix of its own, so no case sees another's jobs or schedules.

let server: TestRedis;
// Collected rather than printed: a forced close is reported here on purpose.
const warnings: string[] = [];
const logger: BullJobQueueLogger = { warn: (fields, message) => void warnings.push(`${message} ${JSON.stringify(fields)}`) };

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await server?.stop();
});

describeJobQueueContract('BullJobQueue', async () => {
  const unique = randomBytes(4).toString('hex');
  const queue = new BullJobQueue({ url: server.url, queueName: `contract-${unique}`, prefix: `test-${unique}`, logger });
  return { queue, close: () => queue.close(1000) };
});
