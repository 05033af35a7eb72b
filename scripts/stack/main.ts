#!/usr/bin/env node
// `npm run stack`: the production topology as plain processes on this machine (two registry
// replicas and a worker sharing Postgres, Redis and s3rver), with a proxy project for Docker Hub.
// Options: --base-port N (registries on N and N+1, the worker on N+2; free ports otherwise),
// --tsx (run the TypeScript sources instead of the built dist), --keep (keep logs and data after stopping).
import { parseArgs } from 'node:util';
import { startStack, type Stack } from './stack.js';

const { values } = parseArgs({
  options: {
    'base-port': { type: 'string' },
    tsx: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const basePort = values['base-port'] === undefined ? undefined : Number(values['base-port']);
if (basePort !== undefined && !(Number.isInteger(basePort) && basePort > 0 && basePort < 65533)) {
  process.stderr.write(`stack: --base-port must be a port number, got ${values['base-port']}\n`);
  process.exit(2);
}

const DOCKER_HUB = { name: 'hub', kind: 'proxy', public: true, upstream: { url: 'https://registry-1.docker.io' }, ns: ['docker.io'] };

function describe(stack: Stack): string {
  const [first, second] = stack.registries;
  const host = first?.host ?? '127.0.0.1:5000';
  const lines = [
    'Berth stack running: 2 registries and 1 worker sharing Postgres, Redis and s3rver (authentication off, loopback only).',
    '',
    ...stack.registries.map((registry, i) => `  registry ${i + 1}  ${registry.url}  (pid ${registry.pid})`),
    `  worker      ${stack.worker.url}/healthz  (pid ${stack.worker.pid})`,
    `  postgres    ${stack.postgresUrl}`,
    `  redis       ${stack.redisUrl}`,
    `  s3          ${stack.s3.endpoint}  bucket ${stack.s3.bucket} (s3rver inside this process)`,
    `  logs        ${stack.dir}/logs/`,
    '',
    'Project "hub" proxies Docker Hub (and answers ?ns=docker.io). Pull through either registry:',
    `  skopeo copy --src-tls-verify=false docker://${host}/hub/library/alpine:latest oci:/tmp/alpine:latest`,
    `  podman pull --tls-verify=false ${second?.host ?? host}/hub/library/alpine:latest`,
    `  docker pull ${host}/hub/library/alpine:latest    (Docker allows plain HTTP to 127.0.0.1)`,
    `  curl -s ${first?.url ?? ''}/v2/hub/library/alpine/tags/list`,
    '',
    'Ctrl-C stops everything.',
  ];
  return `${lines.join('\n')}\n`;
}

process.stdout.write('stack: starting Postgres, Redis, s3rver, 2 registries and a worker...\n');
const starting = startStack({
  command: values.tsx === true ? 'tsx' : 'dist',
  projects: [DOCKER_HUB],
  ...(basePort !== undefined ? { basePort } : {}),
  keepDir: values.keep === true,
});
let stopping = false;

async function stopAndExit(signal: string): Promise<void> {
  if (stopping) {
    process.stdout.write(`stack: still stopping (${signal} ignored)\n`);
    return;
  }
  stopping = true;
  process.stdout.write(`\nstack: ${signal}: stopping the registries, the worker, then the services...\n`);
  // A signal while starting: let the start finish (or fail and clean up), then stop what it started.
  const stack = await starting.catch(() => undefined);
  await stack?.stop();
  if (values.keep === true && stack !== undefined) process.stdout.write(`stack: logs and data kept in ${stack.dir}\n`);
  process.exit(0);
}

process.on('SIGINT', () => void stopAndExit('SIGINT'));
process.on('SIGTERM', () => void stopAndExit('SIGTERM'));

const stack = await starting.catch((error: unknown) => {
  if (!stopping) {
    process.stderr.write(`stack: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  return undefined;
});
if (stack !== undefined && !stopping) {
  process.stdout.write(describe(stack));
  for (const berth of [...stack.registries, stack.worker]) {
    void berth.exited.then((exit) => {
      if (!stopping) process.stderr.write(`stack: ${berth.spec.name} exited unexpectedly (${JSON.stringify(exit)}); see ${berth.logFile}\n`);
    });
  }
}
