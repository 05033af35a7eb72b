import { BullJobQueue } from '@berth/jobs';

// A BullMQ worker in a process of its own, for test/jobs/bullmq-worker-killed.test.ts, started as
// `node --import tsx bull-worker-child.ts <redis url> <queue name> <key prefix>`. Its `block` job
// announces itself on stdout and never finishes: the test kills this process mid-job.

const [url, queueName, prefix] = process.argv.slice(2);
if (url === undefined || queueName === undefined || prefix === undefined) {
  process.stderr.write('usage: bull-worker-child.ts <redis url> <queue name> <key prefix>\n');
  process.exit(2);
}

const say = (message: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

const queue = new BullJobQueue({ url, queueName, prefix, lockDurationMs: 1000, stalledIntervalMs: 500 });
await queue.process({
  block: async (payload, context) => {
    say({ started: context, payload });
    await new Promise(() => undefined);
  },
}, { concurrency: 1 });
say({ ready: true });
