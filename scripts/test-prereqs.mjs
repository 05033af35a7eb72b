#!/usr/bin/env node
// Make sure the machine has what the integration and end-to-end tests need (run first by `npm test`):
// the Debian packages of the services and clients, a running PostgreSQL 15 cluster, the `berth`
// login role, the pinned Go test tools and kubeconform's offline Kubernetes schemas. Installs missing
// packages when running as root; otherwise explains what to run.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { GO_TOOLS, ensureGoTools } from './go-tools.mjs';
import { ensureKubernetesSchemas } from './kubernetes-schemas.mjs';

const PG_VERSION = '15';
const PG_CLUSTER = 'main';
const ROLE = 'berth';
const PASSWORD = 'berth';

/** Debian package → the executables (names looked up on PATH, or absolute paths) that prove it is installed. */
const PACKAGES = [
  { name: 'redis-server', binaries: ['redis-server'] },
  { name: 'docker-registry', binaries: ['docker-registry'] },
  { name: 'skopeo', binaries: ['skopeo'] },
  { name: 'podman', binaries: ['podman'] },
  { name: 'containerd', binaries: ['containerd', 'ctr'] },
  { name: `postgresql-${PG_VERSION}`, binaries: [`/usr/lib/postgresql/${PG_VERSION}/bin/postgres`] },
  // `docker-compose config` validates docker-compose.yml without a Docker engine (test/deploy/).
  { name: 'docker-compose', binaries: ['docker-compose'] },
  // Headless browser for the web console's end-to-end test (driven by playwright-core, test/console/).
  { name: 'chromium', binaries: ['/usr/bin/chromium'] },
];

const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin']
  .filter((dir) => dir !== '');

class PrereqError extends Error {}

function report(ok, what, detail = '') {
  console.log(`[test-prereqs] ${ok ? 'ok     ' : 'MISSING'} ${what}${detail === '' ? '' : ` (${detail})`}`);
}

/** Whether `path` exists with the access `mode` (constants.X_OK, R_OK) for this process. */
function hasAccess(path, mode) {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

const isExecutable = (file) => hasAccess(file, constants.X_OK);

function findBinary(binary) {
  if (binary.startsWith('/')) return isExecutable(binary) ? binary : undefined;
  for (const dir of SEARCH_PATH) {
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Run a command; throw a PrereqError carrying its output when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error !== undefined) {
    throw new PrereqError(`could not run ${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new PrereqError(`\`${[command, ...args].join(' ')}\` exited with ${result.status ?? result.signal}:\n${output}`);
  }
  return result.stdout ?? '';
}

function missingPackages() {
  const missing = [];
  for (const pkg of PACKAGES) {
    const absent = pkg.binaries.filter((binary) => findBinary(binary) === undefined);
    if (absent.length === 0) report(true, `package ${pkg.name}`, pkg.binaries.map(findBinary).join(', '));
    else {
      report(false, `package ${pkg.name}`, `not found: ${absent.join(', ')}`);
      missing.push(pkg);
    }
  }
  return missing;
}

function ensurePackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const names = missing.map((pkg) => pkg.name);
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${names.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new PrereqError(`missing Debian packages: ${names.join(', ')}.\nInstall them as root with:\n  sudo sh -c '${command}'`);
  }
  console.log(`[test-prereqs] installing ${names.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  run('apt-get', ['install', '-y', ...names], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const still = missingPackages();
  if (still.length > 0) {
    throw new PrereqError(`still missing after apt-get install: ${still.map((pkg) => pkg.name).join(', ')}`);
  }
}

function clusterStatus() {
  const stdout = run('pg_lsclusters', ['--no-header']);
  for (const line of stdout.split('\n')) {
    const [version, name, port, status] = line.trim().split(/\s+/);
    if (version === PG_VERSION && name === PG_CLUSTER) return { port, status };
  }
  throw new PrereqError(
    `PostgreSQL cluster ${PG_VERSION}/${PG_CLUSTER} does not exist; create it with: pg_createcluster ${PG_VERSION} ${PG_CLUSTER}`,
  );
}

function ensureCluster() {
  const before = clusterStatus();
  if (before.status === 'online') {
    report(true, `postgresql cluster ${PG_VERSION}/${PG_CLUSTER}`, `online on port ${before.port}`);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new PrereqError(`PostgreSQL cluster ${PG_VERSION}/${PG_CLUSTER} is ${before.status}; start it with:\n  sudo pg_ctlcluster ${PG_VERSION} ${PG_CLUSTER} start`);
  }
  try {
    run('pg_ctlcluster', [PG_VERSION, PG_CLUSTER, 'start']);
  } catch (error) {
    // Someone else may have started it in the meantime.
    if (clusterStatus().status !== 'online') throw error;
  }
  const after = clusterStatus();
  if (after.status !== 'online') {
    throw new PrereqError(`PostgreSQL cluster ${PG_VERSION}/${PG_CLUSTER} is ${after.status} after pg_ctlcluster start`);
  }
  report(true, `postgresql cluster ${PG_VERSION}/${PG_CLUSTER}`, `started, port ${after.port}`);
}

function ensureRole() {
  const statement = `
    do $$
    begin
      if not exists (select from pg_roles where rolname = '${ROLE}') then
        create role ${ROLE} login createdb password '${PASSWORD}';
      else
        alter role ${ROLE} login createdb password '${PASSWORD}';
      end if;
    exception when duplicate_object or unique_violation then
      null; -- created concurrently by a test process
    end
    $$;`;
  const psql = ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1'];
  if (process.getuid?.() === 0) run('runuser', [...psql, '-c', statement], { cwd: '/' });
  else {
    // Without root we cannot become postgres; accept the role if it already works.
    const check = spawnSync('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', ROLE, '-d', 'postgres', '-c', 'select 1'], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: PASSWORD },
    });
    if (check.status !== 0) {
      throw new PrereqError(`cannot log in as role ${ROLE}; create it as root with:\n  sudo runuser -u postgres -- psql -c "create role ${ROLE} login createdb password '${PASSWORD}'"`);
    }
  }
  report(true, `postgresql role ${ROLE}`, 'login, createdb');
}

/** The zero-copy addon (`npm ci` builds it and only warns on failure; the tests need it on Linux). */
function ensureSendfileAddon() {
  if (process.platform !== 'linux') return;
  // Both addons (sendfile, and sha256 on the thread pool for fills); a tree built before the second existed rebuilds.
  const addons = ['berth_sendfile.node', 'berth_sha256.node'].map((name) => join(import.meta.dirname, '..', 'packages', 'sendfile', 'build', 'Release', name));
  const built = () => addons.every((addon) => hasAccess(addon, constants.R_OK));
  if (!built()) run(process.execPath, ['build-addon.mjs'], { cwd: join(import.meta.dirname, '..', 'packages', 'sendfile') });
  if (!built()) throw new PrereqError('packages/sendfile did not build (needs python3, make and a C compiler for node-gyp)');
  report(true, 'sendfile and sha256 addons', 'packages/sendfile/build/Release/berth_sendfile.node, berth_sha256.node');
}

/** The pinned Go clients and conformance suite (scripts/go-tools.json), built once per machine. */
async function ensureGoToolsBuilt() {
  if (findBinary('go') === undefined) {
    throw new PrereqError(`the go command is not on PATH; the test tools (${GO_TOOLS.map((tool) => tool.name).join(', ')}) are built with it (Go 1.26 or newer)`);
  }
  const started = performance.now();
  const jobs = Number(process.env.BERTH_GO_TOOLS_JOBS ?? 3);
  const log = (line) => console.log(`[test-prereqs]         go tool ${line}`);
  const results = await ensureGoTools({ jobs, log }).catch((error) => { throw new PrereqError(error.message); });
  for (const { tool, path } of results) report(true, `go tool ${tool.name} ${tool.version}`, path);
  const built = results.filter((result) => result.seconds !== undefined).length;
  if (built > 0) console.log(`[test-prereqs] built ${built} Go test tool(s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** kubeconform's offline Kubernetes schemas (scripts/kubernetes-schemas.mjs), made once per machine. */
async function ensureKubernetesSchemasBuilt() {
  const { dir, seconds, files } = await ensureKubernetesSchemas().catch((error) => { throw new PrereqError(`kubernetes schemas: ${error.message}`); });
  report(true, `kubernetes schemas (${files} kinds)`, dir);
  if (seconds !== undefined) console.log(`[test-prereqs] made the kubernetes schemas in ${seconds.toFixed(1)} s`);
}

try {
  ensurePackages();
  ensureCluster();
  ensureRole();
  ensureSendfileAddon();
  await ensureGoToolsBuilt();
  await ensureKubernetesSchemasBuilt();
  console.log('[test-prereqs] all prerequisites present');
} catch (error) {
  const message = error instanceof PrereqError ? error.message : (error instanceof Error ? error.stack : String(error));
  console.error(`[test-prereqs] FAILED: ${message}`);
  process.exit(1);
}
