import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** One pinned Go test tool of scripts/go-tools.json (built by scripts/test-prereqs.mjs). */
export interface GoTool {
  name: string;
  /** `local`: our own program in `dir`; its `version` is a hash of its source. */
  kind: 'build' | 'test' | 'local';
  module?: string;
  dir?: string;
  package: string;
  version: string;
}

const LIST = new URL('../../scripts/go-tools.json', import.meta.url);
const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** `src-<12 hex>` of a local tool's source: the same rule as localSourceVersion() in scripts/go-tools.mjs. */
function localSourceVersion(dir: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && (entry.name.endsWith('.go') || entry.name === 'go.mod' || entry.name === 'go.sum'))
    .map((entry) => entry.name)
    .sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(dir, file))).update('\0');
  return `src-${hash.digest('hex').slice(0, 12)}`;
}

/** Every pinned tool, in the order of scripts/go-tools.json (local tools with their source hash as version). */
export const GO_TOOLS: readonly GoTool[] = (JSON.parse(readFileSync(LIST, 'utf8')) as { tools: GoTool[] }).tools.map((tool) =>
  tool.kind === 'local' && tool.dir !== undefined ? { ...tool, version: localSourceVersion(join(REPO_ROOT, tool.dir)) } : tool,
);

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
