import { describe, expect, it } from '@jest/globals';
import { parseDockerfile, splitStages } from './dockerfile-parser.js';
import { appEntry, readRepoFile } from './workspaces.js';

// `npm ci` builds (the root package's own `prepare` script, which npm runs after installing), so
// `npm start` only starts the built registry: no TypeScript compile on the way to a first start.

const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;

describe('root package scripts', () => {
  it('builds on npm ci through prepare', () => {
    expect(scripts.prepare).toBe('npm run build');
    expect(scripts.build).toMatch(/^tsc -b /);
  });

  it('starts the built registry without building first', () => {
    expect(scripts.prestart).toBeUndefined();
    expect(scripts.start).toBe(`node ${appEntry('apps/registry')}`);
  });
});

describe('Dockerfile installs', () => {
  const stages = splitStages(parseDockerfile(readRepoFile('Dockerfile')));
  const runs = stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => ({ stage: stage.name, args: i.args })));

  it('runs npm ci without scripts everywhere (prepare would compile before the sources are copied, or without TypeScript)', () => {
    const installs = runs.filter((run) => /\bnpm\s+ci\b/.test(run.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const run of installs) expect(run.args).toMatch(/\bnpm\s+ci\b[^&]*--ignore-scripts/);
  });

  it('builds the sendfile addon by name, and the sources once, in the build stage', () => {
    const build = runs.filter((run) => run.stage === 'build');
    expect(build.some((run) => /\bnpm rebuild @berth\/sendfile\b/.test(run.args))).toBe(true);
    expect(build.filter((run) => /\bnpm run build\b/.test(run.args))).toHaveLength(1);
  });
});
