import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig, type BerthConfig } from '@berth/config';
import { containerdHostsToml, registriesConfMirror } from '../harness/mirror-files.js';
import { CHART_DIR, find, helmLint, helmTemplateError, helmTemplateText, parseManifests, type Manifest } from './helm-chart.js';
import { kubeconform, problems } from './kubeconform.js';

// deploy/helm/berth: lint, render for several value sets, validate every rendered object against the
// Kubernetes schemas (kubeconform -strict, offline), and check what the objects say. Nothing is
// applied: there is no cluster here.

const FULLNAME = 'berth';

const PRODUCTION_INLINE = {
  postgresql: { url: 'postgres://berth:pw@pg.example:5432/berth' },
  redis: { url: 'redis://redis.example:6379/0' },
  s3: { bucket: 'berth-blobs', endpoint: 'http://minio.example:9000', forcePathStyle: true, accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-example' },
};
const PRODUCTION_EXISTING = {
  secrets: { existingSecret: 'berth-keys' },
  postgresql: { existingSecret: 'berth-db' },
  redis: { existingSecret: 'berth-redis', existingSecretKey: 'url' },
  s3: { bucket: 'berth-blobs', region: 'eu-central-1', existingSecret: 'berth-s3' },
};
const CLUSTER_IP = '10.96.0.50';
const MIRROR_PROJECTS = [
  { name: 'dockerhub', kind: 'proxy', public: true, upstream: { url: 'https://registry-1.docker.io' }, ns: ['docker.io'] },
  { name: 'github', kind: 'proxy', upstream: { url: 'https://ghcr.io' }, ns: ['ghcr.io'] },
  { name: 'library', kind: 'hosted' },
];

/** Every value set the chart is rendered and validated with. */
const VALUE_SETS: Record<string, object> = {
  'embedded (defaults)': { mode: 'embedded' },
  'embedded with the node mirror': { mode: 'embedded', service: { clusterIP: CLUSTER_IP }, nodeMirror: { enabled: true }, config: { projects: MIRROR_PROJECTS } },
  'production, inline URLs and keys': PRODUCTION_INLINE,
  'production, existing Secrets': PRODUCTION_EXISTING,
  'production, ingress with TLS': { ...PRODUCTION_EXISTING, ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'registry.example.com' }], tls: [{ secretName: 'registry-tls', hosts: ['registry.example.com'] }] } },
  'production, ServiceMonitor and autoscaling': { ...PRODUCTION_EXISTING, serviceMonitor: { enabled: true }, autoscaling: { enabled: true } },
  'production, node mirror with referrers over https': {
    ...PRODUCTION_EXISTING,
    nodeMirror: { enabled: true, endpoint: 'https://registry.example.com/', capabilities: ['pull', 'resolve', 'referrers'], registriesConfDir: '' },
  },
};

const rendered = new Map<string, { text: string; manifests: Manifest[] }>();
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'berth-helm-test-'));
  for (const [name, values] of Object.entries(VALUE_SETS)) {
    const text = helmTemplateText(values);
    rendered.set(name, { text, manifests: parseManifests(text) });
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function manifestsOf(valueSet: string): Manifest[] {
  const found = rendered.get(valueSet);
  if (found === undefined) throw new Error(`no value set ${valueSet}`);
  return found.manifests;
}

// Typed views of the parts of a Deployment the tests read.
interface SecretKeyRef { name: string; key: string }
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: SecretKeyRef } }
interface Probe { httpGet?: { path: string; port: string } }
interface Container {
  name: string;
  command?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
  resources?: { requests?: { cpu?: string; memory?: string } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Volume { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object; configMap?: { name: string }; hostPath?: { path: string } }
interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  terminationGracePeriodSeconds?: number;
}
interface WorkloadSpec { replicas?: number; strategy?: { type: string }; template: { spec: PodSpec } }

const specOf = (manifest: Manifest) => manifest.spec as WorkloadSpec;
const podOf = (manifest: Manifest) => specOf(manifest).template.spec;
function containerOf(manifest: Manifest): Container {
  const container = podOf(manifest).containers[0];
  if (container === undefined) throw new Error(`${manifest.kind}/${manifest.metadata.name} has no container`);
  return container;
}
const envOf = (container: Container, name: string) => container.env?.find((entry) => entry.name === name);

/** The Berth configuration the registry pod of a value set runs with: the ConfigMap's file, validated by Berth itself. */
function berthConfigOf(manifests: Manifest[], env: Record<string, string> = {}): BerthConfig {
  const configMap = find(manifests, 'ConfigMap', FULLNAME) as Manifest & { data: Record<string, string> };
  const file = join(work, `berth-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, configMap.data['berth.yaml'] ?? '');
  return loadConfig({ argv: [], env: { BERTH_CONFIG: file, ...env }, cwd: work });
}

describe('helm lint', () => {
  it.each(Object.entries(VALUE_SETS))('passes --strict: %s', (_name, values) => {
    const run = helmLint(values);
    expect(`${run.stdout}${run.stderr}`).toContain('0 chart(s) failed');
    expect(run.status).toBe(0);
  });

  it('fails on a template that does not parse', () => {
    const chart = join(work, 'broken-syntax');
    cpSync(CHART_DIR, chart, { recursive: true });
    const template = join(chart, 'templates', 'service.yaml');
    writeFileSync(template, readFileSync(template, 'utf8').replace('{{ .Values.service.type }}', '{{ .Values.service.type '));
    const run = helmLint({ mode: 'embedded' }, chart);
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/service\.yaml/);
  });
});

describe('every rendered object against the Kubernetes schemas (kubeconform -strict)', () => {
  it.each(Object.keys(VALUE_SETS))('%s', (name) => {
    const { text, manifests } = rendered.get(name)!;
    const report = kubeconform(text);
    expect(problems(report)).toEqual([]);
    expect(report.status).toBe(0);
    // Every document was checked, none skipped.
    expect(report.resources.map((resource) => `${resource.kind}/${resource.name}`).sort()).toEqual(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort());
  });

  it('rejects a value of the wrong type that reaches a manifest', () => {
    const report = kubeconform(helmTemplateText({ ...PRODUCTION_EXISTING, registry: { replicas: 'two' } }));
    expect(report.status).not.toBe(0);
    expect(problems(report).join('\n')).toMatch(/Deployment\/berth: statusInvalid: .*\/spec\/replicas.*got string, want integer/);
  });

  it('rejects a template that writes a field Kubernetes does not have', () => {
    const chart = join(work, 'broken-field');
    cpSync(CHART_DIR, chart, { recursive: true });
    const template = join(chart, 'templates', 'registry-deployment.yaml');
    writeFileSync(template, readFileSync(template, 'utf8').replace('          imagePullPolicy:', '          imagePullPolice: Always\n          imagePullPolicy:'));
    const report = kubeconform(helmTemplateText({ mode: 'embedded' }, chart));
    expect(report.status).not.toBe(0);
    expect(problems(report).join('\n')).toMatch(/Deployment\/berth: statusInvalid: .*additional properties 'imagePullPolice' not allowed/);
  });

  it('reports a kind it has no schema for as an error, not a skip', () => {
    const report = kubeconform('apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    expect(report.status).not.toBe(0);
    expect(problems(report)).toEqual(['Widget/w: statusError: could not find schema for Widget']);
  });
});

describe('the registry Deployment', () => {
  it.each(['production, existing Secrets', 'embedded (defaults)'])('probes, shutdown and security (%s)', (valueSet) => {
    const manifests = manifestsOf(valueSet);
    const deployment = find(manifests, 'Deployment', FULLNAME);
    const container = containerOf(deployment);
    const config = berthConfigOf(manifests, { DATABASE_URL: 'postgres://u:p@h/db', REDIS_URL: 'redis://h:6379' });

    expect(container.command).toEqual(['node', 'apps/registry/dist/main.js']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: config.server.port, protocol: 'TCP' }]);
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    // The preStop sleep is Berth's own shutdown delay, and the kill timeout covers sleep, delay and grace.
    const sleep = container.lifecycle?.preStop?.sleep?.seconds;
    expect(sleep).toBe(config.server.shutdownDelaySeconds);
    expect(sleep).toBeGreaterThan(0);
    expect(podOf(deployment).terminationGracePeriodSeconds).toBeGreaterThan(2 * config.server.shutdownDelaySeconds + config.server.shutdownGraceSeconds);

    expect(podOf(deployment).securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.requests?.memory).toBeDefined();
    // What Berth writes is on volumes: /tmp and the data directory (spool files, the embedded database).
    const mounts = container.volumeMounts?.map((mount) => mount.mountPath) ?? [];
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', config.dataDir]));
    expect(envOf(container, 'BERTH_CONFIG')?.value).toBe('/etc/berth/berth.yaml');
  });

  it('production: 2 rolling replicas on PostgreSQL, Redis and S3, every secret from the existing Secrets', () => {
    const manifests = manifestsOf('production, existing Secrets');
    const deployment = find(manifests, 'Deployment', FULLNAME);
    expect(specOf(deployment).replicas).toBe(2);
    expect(specOf(deployment).strategy?.type).toBe('RollingUpdate');
    const container = containerOf(deployment);
    const refs = Object.fromEntries((container.env ?? []).filter((entry) => entry.valueFrom !== undefined).map((entry) => [entry.name, entry.valueFrom?.secretKeyRef]));
    expect(refs).toEqual({
      BERTH_SECRETS__KEY: { name: 'berth-keys', key: 'secrets-key' },
      BERTH_ADMIN_PASSWORD: { name: 'berth-keys', key: 'admin-password' },
      DATABASE_URL: { name: 'berth-db', key: 'database-url' },
      REDIS_URL: { name: 'berth-redis', key: 'url' },
      BERTH_STORAGE__S3__ACCESS_KEY_ID: { name: 'berth-s3', key: 'access-key-id' },
      BERTH_STORAGE__S3__SECRET_ACCESS_KEY: { name: 'berth-s3', key: 'secret-access-key' },
    });
    // Nothing secret is generated when every secret exists already.
    expect(manifests.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
    const config = berthConfigOf(manifests, { DATABASE_URL: 'postgres://u:p@h/db', REDIS_URL: 'redis://h:6379' });
    expect(config.storage).toMatchObject({ driver: 's3', s3: { bucket: 'berth-blobs', region: 'eu-central-1' } });
    expect(find(manifests, 'PodDisruptionBudget', FULLNAME).spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('embedded: one replica with Recreate on the PersistentVolumeClaim, whatever the values ask', () => {
    const manifests = parseManifests(helmTemplateText({ mode: 'embedded', registry: { replicas: 4 }, autoscaling: { enabled: true }, podDisruptionBudget: { enabled: true } }));
    const deployment = find(manifests, 'Deployment', FULLNAME);
    expect(specOf(deployment).replicas).toBe(1);
    expect(specOf(deployment).strategy).toEqual({ type: 'Recreate' });
    const config = berthConfigOf(manifests);
    expect(config.database.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.storage.driver).toBe('fs');
    // The data directory, with the database and its lock file, is the claim.
    const data = podOf(deployment).volumes?.find((volume) => volume.name === 'data');
    expect(data?.persistentVolumeClaim?.claimName).toBe(FULLNAME);
    expect(containerOf(deployment).volumeMounts).toContainEqual({ name: 'data', mountPath: config.dataDir });
    expect(config.database.dataDir.startsWith(config.dataDir)).toBe(true);
    const claim = find(manifests, 'PersistentVolumeClaim', FULLNAME);
    expect(claim.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(manifests.map((manifest) => manifest.kind)).not.toEqual(expect.arrayContaining(['HorizontalPodAutoscaler']));
    expect(manifests.map((manifest) => manifest.kind)).not.toContain('PodDisruptionBudget');
    expect(manifests.filter((manifest) => manifest.kind === 'Deployment').map((manifest) => manifest.metadata.name)).toEqual([FULLNAME]);
  });

  it('with autoscaling, leaves the replica count to the HorizontalPodAutoscaler', () => {
    const manifests = manifestsOf('production, ServiceMonitor and autoscaling');
    expect(specOf(find(manifests, 'Deployment', FULLNAME)).replicas).toBeUndefined();
    expect(find(manifests, 'HorizontalPodAutoscaler', FULLNAME).spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: FULLNAME }, minReplicas: 2 });
  });
});

describe('the worker Deployment (production)', () => {
  it('runs the worker with the same configuration and secrets, probed on jobs.workerPort', () => {
    const manifests = manifestsOf('production, existing Secrets');
    const worker = find(manifests, 'Deployment', `${FULLNAME}-worker`);
    const container = containerOf(worker);
    const config = berthConfigOf(manifests, { DATABASE_URL: 'postgres://u:p@h/db', REDIS_URL: 'redis://h:6379' });
    expect(container.command).toEqual(['node', 'apps/worker/dist/main.js']);
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: config.jobs.workerPort, protocol: 'TCP' }]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(envOf(container, 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'berth-redis', key: 'url' });
    expect(container.env).toEqual(containerOf(find(manifests, 'Deployment', FULLNAME)).env);
  });
});

describe('generated Secret', () => {
  it('holds a 32-byte secrets.key, an admin password and the inline URLs and keys, kept on uninstall', () => {
    const manifests = manifestsOf('production, inline URLs and keys');
    const secret = find(manifests, 'Secret', FULLNAME) as Manifest & { data: Record<string, string> };
    const decoded = (key: string) => Buffer.from(secret.data[key] ?? '', 'base64');
    // The value (what BERTH_SECRETS__KEY gets) is 32 random bytes in base64.
    expect(Buffer.from(decoded('secrets-key').toString(), 'base64')).toHaveLength(32);
    expect(decoded('admin-password').toString().length).toBeGreaterThanOrEqual(16);
    expect(decoded('database-url').toString()).toBe(PRODUCTION_INLINE.postgresql.url);
    expect(decoded('redis-url').toString()).toBe(PRODUCTION_INLINE.redis.url);
    expect(decoded('s3-secret-access-key').toString()).toBe(PRODUCTION_INLINE.s3.secretAccessKey);
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const container = containerOf(find(manifests, 'Deployment', FULLNAME));
    expect(envOf(container, 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: FULLNAME, key: 'database-url' });
    expect(envOf(container, 'BERTH_SECRETS__KEY')?.valueFrom?.secretKeyRef).toEqual({ name: FULLNAME, key: 'secrets-key' });
    // Berth accepts the generated values.
    const config = berthConfigOf(manifests, {
      BERTH_SECRETS__KEY: decoded('secrets-key').toString(),
      BERTH_ADMIN_PASSWORD: decoded('admin-password').toString(),
      DATABASE_URL: decoded('database-url').toString(),
    });
    expect(config.auth.admin.password).toBe(decoded('admin-password').toString());
    expect(config.secrets.key).toBe(decoded('secrets-key').toString());
  });
});

describe('values that cannot work are refused with the setting named', () => {
  it.each([
    ['production without a database', { redis: { url: 'redis://r' }, s3: { bucket: 'b' } }, 'production mode needs postgresql.existingSecret'],
    ['production without Redis', { postgresql: { url: 'postgres://p' }, s3: { bucket: 'b' } }, 'production mode needs redis.existingSecret'],
    ['production without a bucket', { postgresql: { url: 'postgres://p' }, redis: { url: 'redis://r' } }, 'production mode needs s3.bucket'],
    ['an unknown mode', { mode: 'single' }, 'mode must be "production" or "embedded", not "single"'],
    ['half an S3 key pair', { ...PRODUCTION_INLINE, s3: { bucket: 'b', accessKeyId: 'a' } }, 'give both s3.accessKeyId and s3.secretAccessKey'],
    ['a node mirror the nodes cannot reach', { mode: 'embedded', nodeMirror: { enabled: true } }, 'nodeMirror.enabled needs nodeMirror.endpoint or service.clusterIP'],
  ])('%s', (_name, values, message) => {
    expect(helmTemplateError(values)).toContain(message);
  });
});

describe('Service, Ingress and ServiceMonitor', () => {
  it('the Service reaches the registry pods on their http port', () => {
    const manifests = manifestsOf('embedded with the node mirror');
    const service = find(manifests, 'Service', FULLNAME);
    expect(service.spec).toMatchObject({ clusterIP: CLUSTER_IP, ports: [{ name: 'http', port: 5000, targetPort: 'http' }] });
    const deployment = find(manifests, 'Deployment', FULLNAME) as Manifest & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(deployment.spec.template.metadata.labels).toMatchObject((service.spec as { selector: Record<string, string> }).selector);
  });

  it('renders an Ingress only when enabled', () => {
    expect(manifestsOf('production, existing Secrets').map((manifest) => manifest.kind)).not.toContain('Ingress');
    const ingress = find(manifestsOf('production, ingress with TLS'), 'Ingress', FULLNAME);
    expect(ingress.spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'registry-tls', hosts: ['registry.example.com'] }],
      rules: [{ host: 'registry.example.com', http: { paths: [{ path: '/', backend: { service: { name: FULLNAME, port: { name: 'http' } } } }] } }],
    });
  });

  it('the ServiceMonitor scrapes /metrics of the registry and worker Services', () => {
    const manifests = manifestsOf('production, ServiceMonitor and autoscaling');
    const monitor = find(manifests, 'ServiceMonitor', FULLNAME);
    const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> };
    expect(spec.endpoints.map((endpoint) => `${endpoint.port} ${endpoint.path}`)).toEqual(['http /metrics', 'metrics /metrics']);
    for (const name of [FULLNAME, `${FULLNAME}-worker`]) {
      expect(find(manifests, 'Service', name).metadata.labels).toMatchObject(spec.selector.matchLabels);
    }
    expect(manifestsOf('production, existing Secrets').map((manifest) => manifest.kind)).not.toContain('ServiceMonitor');
  });
});

describe('node mirror', () => {
  const mirrorFiles = (valueSet: string) => (find(manifestsOf(valueSet), 'ConfigMap', `${FULLNAME}-node-mirror`) as Manifest & { data: Record<string, string> }).data;

  it("renders each ns host's hosts.toml exactly as the ctr end-to-end test writes it", () => {
    const files = mirrorFiles('embedded with the node mirror');
    const mirror = `http://${CLUSTER_IP}:5000`;
    expect(files['hosts-0.toml']).toBe(containerdHostsToml({ server: 'https://registry-1.docker.io', mirror, capabilities: ['pull', 'resolve'] }));
    expect(files['hosts-1.toml']).toBe(containerdHostsToml({ server: 'https://ghcr.io', mirror, capabilities: ['pull', 'resolve'] }));
    expect(files['registries.conf']).toBe(
      registriesConfMirror({ prefix: 'docker.io', location: 'docker.io', mirror: `${CLUSTER_IP}:5000/dockerhub`, mirrorInsecure: true }) +
        registriesConfMirror({ prefix: 'ghcr.io', location: 'ghcr.io', mirror: `${CLUSTER_IP}:5000/github`, mirrorInsecure: true }),
    );
  });

  it('takes the endpoint and capabilities from the values (https: no insecure mirror)', () => {
    const files = mirrorFiles('production, node mirror with referrers over https');
    expect(files['hosts-0.toml']).toBe(containerdHostsToml({ server: 'https://registry-1.docker.io', mirror: 'https://registry.example.com', capabilities: ['pull', 'resolve', 'referrers'] }));
    expect(files['registries.conf']).toBeUndefined();
  });

  it('the DaemonSet writes the files under the host directories, as root without capabilities', () => {
    const manifests = manifestsOf('embedded with the node mirror');
    const daemonSet = find(manifests, 'DaemonSet', `${FULLNAME}-node-mirror`);
    const pod = podOf(daemonSet);
    expect(pod.volumes?.filter((volume) => volume.hostPath !== undefined).map((volume) => volume.hostPath?.path)).toEqual(['/etc/containerd/certs.d', '/etc/containers/registries.conf.d']);
    expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    expect(containerOf(daemonSet).securityContext).toMatchObject({ runAsUser: 0, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

    // Run its script with the ConfigMap and the host directories under a temp directory.
    const root = join(work, 'node');
    const files = mirrorFiles('embedded with the node mirror');
    mkdirSync(join(root, 'config'), { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(root, 'config', name), content);
    const script = (files['write.sh'] ?? '').replaceAll('/config/', `${root}/config/`).replaceAll('/host/', `${root}/host/`).replace('exec sleep infinity', 'exit 0');
    const run = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readFileSync(join(root, 'host/containerd-certs.d/docker.io/hosts.toml'), 'utf8')).toBe(files['hosts-0.toml']);
    expect(readFileSync(join(root, 'host/containerd-certs.d/ghcr.io/hosts.toml'), 'utf8')).toBe(files['hosts-1.toml']);
    expect(readFileSync(join(root, 'host/registries.conf.d/50-berth-mirror.conf'), 'utf8')).toBe(files['registries.conf']);
  });

  it('is not rendered unless enabled', () => {
    expect(manifestsOf('production, existing Secrets').map((manifest) => manifest.kind)).not.toContain('DaemonSet');
  });
});

