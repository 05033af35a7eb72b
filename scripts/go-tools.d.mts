// Types of scripts/go-tools.mjs for the test harness (test/harness/go-tools.ts).

/** One pinned Go test tool of scripts/go-tools.json. `local`: our own program in `dir`, versioned by a hash of its source. */
export interface GoTool {
  name: string;
  kind: 'build' | 'test' | 'local';
  module?: string;
  dir?: string;
  package: string;
  version: string;
}

export const GO_TOOLS: readonly GoTool[];
export function localSourceVersion(dir: string): string;
export function toolsCacheRoot(env?: NodeJS.ProcessEnv): string;
export function toolBinary(tool: GoTool, root?: string): string;
export function ensureGoTools(options?: { jobs?: number; root?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void }): Promise<Array<{ tool: GoTool; path: string; seconds?: number }>>;
