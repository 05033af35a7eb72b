// Build the pinned Go test tools of scripts/go-tools.json (real signing and pulling clients, the OCI
// distribution-spec conformance suite) into a cache outside the repository, so later runs and other
// clones on the same machine reuse them. Go is test tooling only; nothing here ships with Berth.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A pinned tool. `build`/`test` tools come from `module` at `version`; `local` tools are our own
 * programs in `dir` (relative to the repository root), whose version is a hash of their source.
 * @typedef {{ name: string, kind: 'build' | 'test' | 'local', module?: string, dir?: string, package: string, version: string }} GoTool
 */

const REPO_ROOT = new URL('..', import.meta.url).pathname;

/**
 * `src-<12 hex>`: sha256 over the sorted names and contents of the files directly in `dir` (go.mod,
 * go.sum, *.go), so any change to a local tool's source builds it anew. test/harness/go-tools.ts
 * reads it from here.
 */
export function localSourceVersion(dir) {
  const hash = createHash('sha256');
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && (entry.name.endsWith('.go') || entry.name === 'go.mod' || entry.name === 'go.sum'))
    .map((entry) => entry.name)
    .sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(dir, file))).update('\0');
  return `src-${hash.digest('hex').slice(0, 12)}`;
}

/** @type {GoTool[]} */
export const GO_TOOLS = JSON.parse(readFileSync(new URL('./go-tools.json', import.meta.url), 'utf8')).tools.map((tool) =>
  tool.kind === 'local' ? { ...tool, version: localSourceVersion(join(REPO_ROOT, tool.dir)) } : tool,
);

/** Where built tools live: $BERTH_TEST_TOOLS_DIR, else ~/.cache/berth-test-tools. */
export function toolsCacheRoot(env = process.env) {
  if (env.BERTH_TEST_TOOLS_DIR) return env.BERTH_TEST_TOOLS_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth-test-tools');
}

/** The executable of one tool: <root>/<name>@<version>/<name>. */
export function toolBinary(tool, root = toolsCacheRoot()) {
  return join(root, `${tool.name}@${tool.version}`, tool.name);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Run the go command; resolve with its stdout, reject with its output on failure. */
function go(args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-16 * 1024); });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`\`go ${args.join(' ')}\` exited with ${code ?? signal}:\n${stderr.trim()}`));
    });
  });
}

const BUILD_FLAGS = ['-trimpath', '-ldflags=-s -w'];

/**
 * Build one tool into `work` (a fresh directory); the binary ends up at <work>/<name>. Each tool is
 * built inside a writable copy of its module, with that module's own go.mod and go.sum, rather than
 * with `go install pkg@version`: that also asks the proxy for the module's version list (to report a
 * deprecation), and the proxy refuses the list of some modules it serves (notation). `test` tools are
 * a package's tests compiled into one binary (`go test -c`).
 */
async function buildInto(tool, work, env) {
  const Dir = tool.kind === 'local'
    ? join(REPO_ROOT, tool.dir)
    : JSON.parse(await go(['mod', 'download', '-json', `${tool.module}@${tool.version}`], { env, cwd: work })).Dir;
  const source = join(work, 'src');
  await cp(Dir, source, { recursive: true });
  await makeWritable(source);
  const output = ['-o', join(work, tool.name), tool.package];
  const command = tool.kind === 'test' ? ['test', '-c', ...BUILD_FLAGS, ...output] : ['build', ...BUILD_FLAGS, ...output];
  const flags = [env.GOFLAGS, '-mod=readonly'].filter(Boolean).join(' ');
  await go(command, { env: { ...env, GOWORK: 'off', GOFLAGS: flags }, cwd: source });
  await rm(source, { recursive: true, force: true });
}

/** The module cache is read-only; the copy must not be (go may update go.sum, and rm must work). */
async function makeWritable(dir) {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else await chmod(path, 0o644);
  }
}

/**
 * Build every tool whose binary is not in the cache yet, `jobs` at a time. Each builds in a temp
 * directory renamed into place when done, so an interrupted build never leaves a half binary behind.
 * Resolves with one line per tool ({ tool, path, seconds|undefined when cached }); rejects naming
 * every tool that failed.
 */
export async function ensureGoTools({ jobs = 3, root = toolsCacheRoot(), env = process.env, log = () => {} } = {}) {
  await mkdir(root, { recursive: true });
  const queue = [...GO_TOOLS];
  const results = [];
  const failures = [];
  async function worker() {
    for (let tool = queue.shift(); tool !== undefined; tool = queue.shift()) {
      const path = toolBinary(tool, root);
      if (isExecutable(path)) {
        results.push({ tool, path, seconds: undefined });
        continue;
      }
      const started = performance.now();
      const work = await mkdtemp(join(root, `.build-${tool.name}-`));
      try {
        log(`${tool.name} ${tool.version}: building`);
        await buildInto(tool, work, env);
        await rm(join(path, '..'), { recursive: true, force: true });
        // Another clone's test-prereqs may have put the same version in place meanwhile: keep theirs.
        await rename(work, join(path, '..')).catch(async (error) => {
          if (!isExecutable(path)) throw error;
          await rm(work, { recursive: true, force: true });
        });
        const seconds = (performance.now() - started) / 1000;
        results.push({ tool, path, seconds });
        log(`${tool.name} ${tool.version}: built in ${seconds.toFixed(1)} s`);
      } catch (error) {
        await rm(work, { recursive: true, force: true });
        const message = `${tool.name} ${tool.version}: ${error instanceof Error ? error.message : String(error)}`;
        failures.push(message);
        log(`${message.split('\n')[0]} (failed after ${((performance.now() - started) / 1000).toFixed(1)} s)`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  if (failures.length > 0) throw new Error(`Go test tools failed to build:\n${failures.join('\n')}`);
  return results;
}
