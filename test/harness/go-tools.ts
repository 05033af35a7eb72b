import { accessSync, constants } from 'node:fs';
// The one list and the one set of rules (source hashes of local tools, the cache folder) are the
// build script's: scripts/test-prereqs.mjs builds what this module finds.
import { GO_TOOLS, toolBinary, type GoTool } from '../../scripts/go-tools.mjs';

export { GO_TOOLS, type GoTool };

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
  const path = toolBinary(tool);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${tool.name} ${tool.version} is not built at ${path}; run \`node scripts/test-prereqs.mjs\``);
  }
  return path;
}
