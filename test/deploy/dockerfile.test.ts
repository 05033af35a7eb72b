import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { byName, execForm, lineage, parseDockerfile, splitStages, withoutFlags } from './dockerfile-parser.js';
import type { Stage } from './dockerfile-parser.js';
import { appEntry, buildOutputDir, readRepoFile, repoRoot, workspaces } from './workspaces.js';

// The Dockerfile and .dockerignore, checked without a Docker engine (none on the development machines).
const stages = splitStages(parseDockerfile(readRepoFile('Dockerfile')));
const finalStage = stages[stages.length - 1]!;
const finalLineage = lineage(stages, finalStage);
const NODE_24_SLIM = /^node:24(\.\d+)*(-[a-z]+)?-slim(@sha256:[0-9a-f]{64})?$/;

function instructionsOf(chain: readonly Stage[], keyword: string) {
  return chain.flatMap((stage) => stage.instructions).filter((instruction) => instruction.keyword === keyword);
}

/** The working directory a chain of stages (nearest first) ends up in. */
function workdir(chain: readonly Stage[]): string {
  let dir = '/';
  for (const instruction of instructionsOf([...chain].reverse(), 'WORKDIR')) dir = posix.resolve(dir, instruction.args.trim());
  return dir;
}

/** `.dockerignore` patterns as a matcher of context paths (a match also excludes everything below). */
function dockerignoreMatcher(): (path: string) => boolean {
  const patterns = readRepoFile('.dockerignore').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.some((pattern) => pattern.startsWith('!'))) throw new Error('exceptions (!) in .dockerignore are not handled by this test');
  const regexes = patterns.map((pattern) => {
    const source = pattern.replace(/^\/+|\/+$/g, '').split('/').map((part) =>
      part === '**' ? '(?:.+/)?' : `${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}/`).join('');
    return new RegExp(`^${source.replace(/\/$/, '')}(?:/.*)?$`);
  });
  return (path) => regexes.some((regex) => regex.test(posix.normalize(path)));
}

describe('Dockerfile', () => {
  it('has named stages, all on Node 24 slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.name).toBeDefined();
      // A stage is built FROM node:24-*slim or FROM an earlier stage.
      const parent = byName(stages, stage.base);
      if (parent === undefined) expect(stage.base).toMatch(NODE_24_SLIM);
      else expect(stages.indexOf(parent)).toBeLessThan(stages.indexOf(stage));
    }
  });

  it('runs the final stage as a non-root user', () => {
    const users = instructionsOf([finalStage], 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]!.args.split(':')[0]!.trim();
    expect(['root', '0', '']).not.toContain(user);
  });

  it('installs only production dependencies in the final image', () => {
    const installs = instructionsOf(finalLineage, 'RUN').filter((run) => /\bnpm\s+(ci|install|i)\b/.test(run.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const run of installs) expect(run.args).toMatch(/--omit[= ]dev|--production\b/);
    // Nor are the build stage's dependencies (dev included) copied over.
    const copied = instructionsOf(finalLineage, 'COPY').flatMap((instruction) => withoutFlags(instruction.args).words);
    expect(copied.filter((word) => /(^|\/)node_modules(\/|$)/.test(word))).toEqual([]);
    const env = instructionsOf(finalLineage, 'ENV').map((instruction) => instruction.args).join(' ');
    expect(env).toMatch(/\bNODE_ENV[= ]production\b/);
  });

  it('copies every workspace manifest before the dependencies are installed', () => {
    // npm ci needs every workspace's package.json, or it fails against package-lock.json.
    const ordered = [...finalLineage].reverse().flatMap((stage) => stage.instructions);
    const firstInstall = ordered.findIndex((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args));
    expect(firstInstall).toBeGreaterThan(0);
    const copiedSources = ordered.slice(0, firstInstall).filter((i) => i.keyword === 'COPY').flatMap((i) => withoutFlags(i.args).words.slice(0, -1));
    for (const file of ['package.json', 'package-lock.json', ...workspaces().map((ws) => `${ws}/package.json`)]) {
      expect(copiedSources).toContain(file);
    }
  });

  it('copies each workspace build output from the build stage, and the migrations', () => {
    const copies = instructionsOf([finalStage], 'COPY').map((instruction) => withoutFlags(instruction.args));
    const finalDir = workdir(finalLineage);
    for (const workspace of workspaces()) {
      const output = buildOutputDir(workspace);
      const copy = copies.find(({ flags, words }) => flags.has('from') && posix.resolve(finalDir, words[words.length - 1]!) === posix.join(finalDir, output));
      expect({ workspace, copied: copy !== undefined }).toEqual({ workspace, copied: true });
      const source = byName(stages, copy!.flags.get('from')!);
      expect(source).toBeDefined();
      const sourceLineage = lineage(stages, source!);
      // Taken from where that stage built it: its WORKDIR, after `npm run build`.
      expect(copy!.words.slice(0, -1)).toEqual([posix.join(workdir(sourceLineage), output)]);
      expect(instructionsOf(sourceLineage, 'RUN').some((run) => /\bnpm run build\b/.test(run.args))).toBe(true);
    }
    // packages/db finds its migrations at <repo>/migrations from dist (defaultMigrationsFolder).
    expect(copies.some(({ flags, words }) => !flags.has('from') && words[0] === 'migrations' && posix.resolve(finalDir, words[1] ?? '') === posix.join(finalDir, 'migrations'))).toBe(true);
  });

  it('starts the registry by default, and the worker entry is built into the image', () => {
    const commands = [...instructionsOf([finalStage], 'ENTRYPOINT'), ...instructionsOf([finalStage], 'CMD')];
    expect(commands.length).toBeGreaterThan(0);
    const argv = commands.flatMap((command) => execForm(command.args) ?? []);
    const registry = appEntry('apps/registry');
    expect(argv).toContain(registry);
    expect(JSON.parse(readRepoFile('apps/registry/package.json')).bin.berth).toBe(`./${posix.relative('apps/registry', registry)}`);
    const worker = appEntry('apps/worker');
    expect(JSON.parse(readRepoFile('apps/worker/package.json')).bin['berth-worker']).toBe(`./${posix.relative('apps/worker', worker)}`);
    // Both apps' outputs are in the final image: the test above checks every workspace's dist/.
    expect(workspaces()).toEqual(expect.arrayContaining(['apps/registry', 'apps/worker']));
    expect(posix.dirname(worker)).toBe(buildOutputDir('apps/worker'));
  });

  it('copies only paths that exist in the build context', () => {
    const ignored = dockerignoreMatcher();
    for (const copy of instructionsOf(stages, 'COPY')) {
      const { flags, words } = withoutFlags(copy.args);
      if (flags.has('from')) continue; // another stage's output, checked above
      for (const source of words.slice(0, -1)) {
        expect({ source, exists: existsSync(join(repoRoot, source)), ignored: ignored(source) }).toEqual({ source, exists: true, ignored: false });
      }
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local installs, builds, data and git history out of the build context', () => {
    const ignored = dockerignoreMatcher();
    for (const path of ['node_modules', 'packages/oci/node_modules', 'dist', 'apps/registry/dist', 'data', '.git', '.env']) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: true });
    }
    for (const path of ['package.json', 'packages/oci/src/index.ts', 'migrations/meta/_journal.json']) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: false });
    }
  });
});
