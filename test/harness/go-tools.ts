import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** One pinned Go test tool of scripts/go-tools.json (built by scripts/test-prereqs.mjs). */
export interface GoTool {
  name: string;
  kind: 'build' | 'test';
  module: string;
  package: string;
  version: string;
}

const LIST = new URL('../../scripts/go-tools.json', import.meta.url);

/** Every pinned tool, in the order of scripts/go-tools.json. */
export const GO_TOOLS: readonly GoTool[] = (JSON.parse(readFileSync(LIST, 'utf8')) as { tools: GoTool[] }).tools;

/** Where the tools are built: the same rule as toolsCacheRoot() in scripts/go-tools.mjs. */
function cacheRoot(): string {
  const explicit = process.env.BERTH_TEST_TOOLS_DIR;
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'berth-test-tools');
}

export function goTool(name: string): GoTool {
  const tool = GO_TOOLS.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`no Go test tool named ${name} in scripts/go-tools.json`);
  return tool;
}

/**
 * The executable of a pinned tool (`toolPath('cosign')`). Throws, naming the command to run, when it
 * has not been built: a test that needs a real client fails rather than passing without it.
 */
export function toolPath(name: string): string {
  const tool = goTool(name);
  const path = join(cacheRoot(), `${tool.name}@${tool.version}`, tool.name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${tool.name} ${tool.version} is not built at ${path}; run \`node scripts/test-prereqs.mjs\``);
  }
  return path;
}
