import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startService } from './process.js';

// Thin wrappers around real registry clients (skopeo, podman, containerd's ctr). Each keeps its state
// in temp dirs, talks plain HTTP to loopback registries, and fails with the command's stderr.

export interface CommandResult {
  stdout: Buffer;
  stderr: string;
}

export class ClientCommandError extends Error {
  constructor(
    readonly command: string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(`\`${command.join(' ')}\` failed (${exitCode ?? 'no exit code'}):\n${stderr.trim()}`);
    this.name = 'ClientCommandError';
  }
}

export async function runClient(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env ?? process.env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 90_000 },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ stdout, stderr: stderr.toString() });
        const code = typeof error.code === 'number' || typeof error.code === 'string' ? error.code : null;
        const detail = [stderr.toString(), error.killed ? `(killed: ${error.signal ?? 'timeout'})` : ''].join('\n');
        reject(new ClientCommandError([command, ...args], code ?? error.signal ?? null, detail));
      },
    );
  });
}

// ---- skopeo ----

export interface SkopeoCopyOptions {
  /** Copy an index with every platform manifest (`--multi-arch all`). */
  all?: boolean;
  /** Fail rather than change any digest (`--preserve-digests`). */
  preserveDigests?: boolean;
  /** Force a destination manifest format. */
  format?: 'oci' | 'v2s2';
  /** `user:password` for the source registry (`--src-creds`). */
  srcCreds?: string;
  /** `user:password` for the destination registry (`--dest-creds`). */
  destCreds?: string;
}

/** `skopeo copy src dst`; docker:// sides are plain HTTP without TLS verification. */
export async function skopeoCopy(src: string, dst: string, options: SkopeoCopyOptions = {}): Promise<void> {
  const args = ['copy', '--quiet', '--retry-times', '0'];
  if (src.startsWith('docker://')) args.push('--src-tls-verify=false');
  if (dst.startsWith('docker://')) args.push('--dest-tls-verify=false');
  if (options.all === true) args.push('--multi-arch', 'all');
  if (options.preserveDigests === true) args.push('--preserve-digests');
  if (options.format !== undefined) args.push('--format', options.format);
  if (options.srcCreds !== undefined) args.push('--src-creds', options.srcCreds);
  if (options.destCreds !== undefined) args.push('--dest-creds', options.destCreds);
  await runClient('skopeo', [...args, src, dst], { timeoutMs: 120_000 });
}

/** The manifest or index bytes exactly as the source serves them; `creds` is `user:password`. */
export async function skopeoInspectRaw(ref: string, options: { creds?: string } = {}): Promise<Buffer> {
  const args = ['inspect', '--raw', '--retry-times', '0'];
  if (ref.startsWith('docker://')) args.push('--tls-verify=false');
  if (options.creds !== undefined) args.push('--creds', options.creds);
  return (await runClient('skopeo', [...args, ref])).stdout;
}

// ---- podman ----

export interface PodmanSandbox {
  /** Temp dir holding storage, configuration and HOME of this podman. */
  dir: string;
  run(args: string[]): Promise<CommandResult>;
  /** Remove storage and configuration. */
  stop(): Promise<void>;
}

/**
 * A podman with its own vfs storage and configuration: `insecureRegistries` (host:port) are plain HTTP,
 * and HOME/XDG dirs point into the sandbox so nothing lands in the user's ~/.config.
 * (As root, containers/image still keeps its blob-info cache in /var/lib/containers/cache.)
 */
export async function createPodmanSandbox(options: { insecureRegistries: string[] }): Promise<PodmanSandbox> {
  // Lowercase only: podman names an image pulled from `oci:<path>` after the path (see podmanPull).
  const dir = join(tmpdir(), `berth-podman-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  const path = (name: string) => join(dir, name);
  for (const name of ['root', 'runroot', 'home', 'config', 'data', 'runtime', 'tmp', 'libpod-tmp', 'networks']) {
    await mkdir(path(name), { mode: 0o700 });
  }
  const registries = options.insecureRegistries
    .map((host) => `[[registry]]\nlocation = ${JSON.stringify(host)}\ninsecure = true\n`)
    .join('\n');
  await writeFile(path('registries.conf'), `unqualified-search-registries = []\n\n${registries}`);
  await writeFile(
    path('storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = ${JSON.stringify(path('root'))}\nrunroot = ${JSON.stringify(path('runroot'))}\n`,
  );
  await writeFile(
    path('containers.conf'),
    `[engine]\ntmp_dir = ${JSON.stringify(path('libpod-tmp'))}\nevents_logger = "none"\n\n` +
      `[network]\nnetwork_config_dir = ${JSON.stringify(path('networks'))}\n`,
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path('home'),
    XDG_CONFIG_HOME: path('config'),
    XDG_DATA_HOME: path('data'),
    XDG_RUNTIME_DIR: path('runtime'),
    TMPDIR: path('tmp'),
    CONTAINERS_REGISTRIES_CONF: path('registries.conf'),
    CONTAINERS_STORAGE_CONF: path('storage.conf'),
    CONTAINERS_CONF: path('containers.conf'),
  };
  const global = ['--storage-driver', 'vfs', '--root', path('root'), '--runroot', path('runroot')];
  return {
    dir,
    run: (args) => runClient('podman', [...global, ...args], { env, timeoutMs: 120_000 }),
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Pull `ref` (a registry reference, or `oci:<dir>:<tag>`); returns the local image ID. */
export async function podmanPull(podman: PodmanSandbox, ref: string, options: { platform?: string } = {}): Promise<string> {
  const args = ['pull', '--quiet'];
  if (options.platform !== undefined) args.push('--platform', options.platform);
  let source = ref;
  if (ref.startsWith('oci:')) {
    // podman names the image `localhost/<layout path>`, which must be a valid (lowercase) reference:
    // reach the layout through a lowercase link inside the sandbox.
    const [, layoutDir = '', tag] = /^oci:([^:]+)(?::(.+))?$/.exec(ref) ?? [];
    const link = join(podman.dir, `layout-${randomBytes(6).toString('hex')}`);
    await symlink(layoutDir, link);
    source = tag === undefined ? `oci:${link}` : `oci:${link}:${tag}`;
  } else {
    args.push('--tls-verify=false');
  }
  const { stdout } = await podman.run([...args, source]);
  const id = stdout.toString().trim().split('\n').pop() ?? '';
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`podman pull ${ref}: unexpected output ${JSON.stringify(stdout.toString())}`);
  return id;
}

/**
 * Push a local image (name or ID), or an `oci:` layout image (pulled into the sandbox first, as podman
 * pushes only from its own storage), to `dest` (host/repo:tag). Returns the digest podman pushed.
 */
export async function podmanPush(podman: PodmanSandbox, source: string, dest: string): Promise<string> {
  const local = source.startsWith('oci:') ? await podmanPull(podman, source) : source;
  const digestFile = join(podman.dir, `digest-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  await podman.run(['push', '--quiet', '--tls-verify=false', '--digestfile', digestFile, local, `docker://${dest}`]);
  return (await readFile(digestFile, 'utf8')).trim();
}

/**
 * `podman login` to `host` (plain HTTP); the credentials land in the sandbox's auth file
 * ($XDG_RUNTIME_DIR/containers/auth.json), used by the sandbox's later pulls and pushes.
 */
export async function podmanLogin(podman: PodmanSandbox, host: string, username: string, password: string): Promise<void> {
  await podman.run(['login', '--tls-verify=false', '--username', username, '--password', password, host]);
}

/** Replace the sandbox's registries.conf (e.g. to declare mirrors); takes effect on the next podman command. */
export async function writePodmanRegistriesConf(podman: PodmanSandbox, toml: string): Promise<void> {
  await writeFile(join(podman.dir, 'registries.conf'), toml);
}

/** The registry digest podman recorded for a pulled image (the manifest or index it pulled). */
export async function podmanImageDigest(podman: PodmanSandbox, ref: string): Promise<string> {
  const { stdout } = await podman.run(['image', 'inspect', '--format', '{{.Digest}}', ref]);
  return stdout.toString().trim();
}

// ---- containerd ----

export interface ContainerdUnderTest {
  /** The daemon's gRPC socket. */
  address: string;
  namespace: string;
  dir: string;
  /** Run `ctr --address <sock> -n <namespace> ...args`. */
  ctr(args: string[]): Promise<CommandResult>;
  output(): string;
  stop(): Promise<void>;
}

// Plugins that need more than a test sandbox offers (CRI, kernel snapshotters, runtimes, cgroups),
// and `opt`, which would otherwise create /opt/containerd.
const DISABLED_CONTAINERD_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.internal.v1.opt',
  'io.containerd.internal.v1.tracing',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.overlayfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.monitor.v1.cgroups',
  'io.containerd.runtime.v1.linux',
  'io.containerd.runtime.v2.task',
  'io.containerd.service.v1.tasks-service',
  'io.containerd.grpc.v1.tasks',
  'io.containerd.internal.v1.restart',
];

/** Start a private containerd daemon (native snapshotter only) with root, state and socket in a temp dir. */
export async function startContainerd(): Promise<ContainerdUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-containerd-'));
  const address = join(dir, 'containerd.sock');
  const namespace = 'berth-e2e';
  // The metrics listener gives startService a TCP port to wait for; the socket is checked after.
  const metricsPort = await freePort();
  const config = [
    'version = 2',
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
    `disabled_plugins = ${JSON.stringify(DISABLED_CONTAINERD_PLUGINS)}`,
    '[grpc]',
    `  address = ${JSON.stringify(address)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${address}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '  level = "warn"',
    '[metrics]',
    `  address = "127.0.0.1:${metricsPort}"`,
  ].join('\n');
  const configFile = join(dir, 'config.toml');
  await writeFile(configFile, `${config}\n`);
  const ctr = (args: string[]) => runClient('ctr', ['--address', address, '-n', namespace, ...args], { timeoutMs: 120_000 });
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  const stop = async () => {
    await service?.stop();
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    service = await startService('containerd', ['--config', configFile], { port: metricsPort });
    await waitForCtr(ctr);
  } catch (error) {
    await stop();
    throw error;
  }
  const started = service;
  return { address, namespace, dir, ctr, output: () => started.output(), stop };
}

async function waitForCtr(ctr: ContainerdUnderTest['ctr']): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await ctr(['version']);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The native snapshotter should leave no mounts; unmount any leftovers so the dir can be removed. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const targets = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(`${dir}/`))
    .reverse();
  for (const target of targets) await runClient('umount', ['-l', target]).catch(() => undefined);
}

export interface CtrPullOptions {
  plainHttp?: boolean;
  /** e.g. `linux/arm64`; the host platform when absent. */
  platform?: string;
  /** Fetch content only, without unpacking layers into snapshots. */
  skipUnpack?: boolean;
  /** `user:password` for the registry (`--user`). */
  user?: string;
}

/** `ctr images pull` into the daemon's namespace with the native snapshotter (unpacks unless told not to). */
export async function ctrPull(containerd: ContainerdUnderTest, ref: string, options: CtrPullOptions = {}): Promise<void> {
  const args = ['images', 'pull', '--snapshotter', 'native'];
  if (options.plainHttp === true) args.push('--plain-http');
  if (options.platform !== undefined) args.push('--platform', options.platform);
  if (options.skipUnpack === true) args.push('--skip-unpack');
  if (options.user !== undefined) args.push('--user', options.user);
  await containerd.ctr([...args, ref]);
}

/** The target digest containerd recorded for image `ref`. */
export async function ctrImageDigest(containerd: ContainerdUnderTest, ref: string): Promise<string> {
  const { stdout } = await containerd.ctr(['images', 'ls', `name==${ref}`]);
  const row = stdout.toString().split('\n').slice(1).find((line) => line.split(/\s+/)[0] === ref);
  const digest = row?.split(/\s+/)[2];
  if (digest === undefined) throw new Error(`ctr has no image ${ref}:\n${stdout.toString()}`);
  return digest;
}

/** Names of the native snapshotter's snapshots (the chain IDs of unpacked layers). */
export async function ctrSnapshotKeys(containerd: ContainerdUnderTest): Promise<string[]> {
  const { stdout } = await containerd.ctr(['snapshots', '--snapshotter', 'native', 'ls']);
  return stdout.toString().split('\n').slice(1).map((line) => line.split(/\s+/)[0] ?? '').filter((key) => key !== '');
}

/**
 * `ctr images pull --hosts-dir <dir>`: registry hosts come from `<dir>/<registry>/hosts.toml` (mirrors,
 * plain HTTP), as containerd's CRI plugin reads them from /etc/containerd/certs.d.
 */
export async function ctrPullWithHostsDir(
  containerd: ContainerdUnderTest,
  ref: string,
  hostsDir: string,
  options: Omit<CtrPullOptions, 'plainHttp'> = {},
): Promise<void> {
  const args = ['images', 'pull', '--snapshotter', 'native', '--hosts-dir', hostsDir];
  if (options.platform !== undefined) args.push('--platform', options.platform);
  if (options.skipUnpack === true) args.push('--skip-unpack');
  await containerd.ctr([...args, ref]);
}

/** Write `<hostsDir>/<registry>/hosts.toml` for ctrPullWithHostsDir. */
export async function writeContainerdHostsToml(hostsDir: string, registry: string, toml: string): Promise<void> {
  await mkdir(join(hostsDir, registry), { recursive: true });
  await writeFile(join(hostsDir, registry, 'hosts.toml'), toml);
}
