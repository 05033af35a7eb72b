import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (test/deploy/../..). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** The workspaces of the root package.json, e.g. `packages/oci`, `apps/registry`. */
export function workspaces(): string[] {
  const manifest = JSON.parse(readRepoFile('package.json')) as { workspaces?: unknown };
  if (!Array.isArray(manifest.workspaces)) throw new Error('root package.json has no workspaces list');
  return manifest.workspaces.map(String);
}

interface BuildConfig {
  compilerOptions?: { rootDir?: string; outDir?: string };
}

/** Where `npm run build` (tsc -b of tsconfig.build.json) writes a workspace's JavaScript, e.g. `packages/oci/dist`. */
export function buildOutputDir(workspace: string): string {
  const config = JSON.parse(readRepoFile(`${workspace}/tsconfig.build.json`)) as BuildConfig;
  const outDir = config.compilerOptions?.outDir;
  if (outDir === undefined) throw new Error(`${workspace}/tsconfig.build.json sets no outDir`);
  return posix.normalize(`${workspace}/${outDir}`);
}

/**
 * The file `npm run build` produces for an app's `src/main.ts` (`apps/registry/dist/main.js`),
 * from its tsconfig.build.json's rootDir and outDir; throws when the source does not exist.
 */
export function appEntry(app: string): string {
  const config = JSON.parse(readRepoFile(`${app}/tsconfig.build.json`)) as BuildConfig;
  const rootDir = config.compilerOptions?.rootDir ?? '.';
  const source = posix.normalize(`${app}/${rootDir}/main.ts`);
  if (!existsSync(join(repoRoot, source))) throw new Error(`${source} does not exist`);
  return posix.join(buildOutputDir(app), 'main.js');
}
