import { InProcessJobQueue } from '@berth/jobs';
import { describeJobQueueContract } from './queue-contract.js';

// The embedded mode's queue against the port's contract (no services needed).
describeJobQueueContract('InProcessJobQueue', async () => {
  const queue = new InProcessJobQueue();
  return { queue, close: () => queue.close(1000) };
});
