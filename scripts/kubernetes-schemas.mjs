// Kubernetes JSON schemas for kubeconform, made offline. kubeconform normally downloads them from a
// web host this machine cannot reach; here they are derived from two pinned Go modules the module
// proxy serves: k8s.io/kubernetes (its api/openapi-spec/v3 is the API server's own OpenAPI v3 spec)
// and prometheus-operator (the ServiceMonitor CustomResourceDefinition). The result is the layout
// kubeconform's -schema-location template expects; `-strict` is the only variant made (every object
// schema that lists its properties refuses others). Built once into the test tools cache by
// scripts/test-prereqs.mjs; test/deploy/kubeconform.ts finds it with kubernetesSchemasDir().
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toolsCacheRoot } from './go-tools.mjs';

/** The pinned sources. The Kubernetes version is also the one kubeconform is told (`-kubernetes-version`). */
export const SCHEMA_SOURCES = {
  kubernetes: { module: 'k8s.io/kubernetes', version: 'v1.37.2', specDir: 'api/openapi-spec/v3' },
  // The newest version of the root module the proxy serves (newer tags are refused, 403).
  prometheusOperator: { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.85.0', crds: ['jsonnet/prometheus-operator/servicemonitors-crd.json'] },
};

/** Kubernetes version without the `v`, as kubeconform's `-kubernetes-version` takes it. */
export const KUBERNETES_VERSION = SCHEMA_SOURCES.kubernetes.version.slice(1);

/** A change to this converter or to the pins makes a new directory (and so a new build). */
function schemasVersion() {
  const hash = createHash('sha256').update(readFileSync(new URL(import.meta.url))).update(JSON.stringify(SCHEMA_SOURCES));
  return `${SCHEMA_SOURCES.kubernetes.version}-${hash.digest('hex').slice(0, 12)}`;
}

/** <cache>/kubernetes-schemas@<version>: holds v<k8s>-standalone-strict/<kind>-<group>-<version>.json. */
export function kubernetesSchemasDir(root = toolsCacheRoot()) {
  return join(root, `kubernetes-schemas@${schemasVersion()}`);
}

/** kubeconform's -schema-location for that directory. */
export function kubeconformSchemaLocation(dir = kubernetesSchemasDir()) {
  return join(dir, '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}', '{{ .ResourceKind }}{{ .KindSuffix }}.json');
}

/**
 * kubeconform's file name for a kind of an apiVersion: `deployment-apps-v1`, `service-v1`,
 * `ingress-networking-v1`, `servicemonitor-monitoring-v1` (the group's first label only).
 */
export function schemaFileName(kind, group, version) {
  const groupLabel = group === '' ? '' : `-${group.split('.')[0].toLowerCase()}`;
  return `${kind.toLowerCase()}${groupLabel}-${version.toLowerCase()}.json`;
}

/** Schema keywords whose value is one subschema, or a list of them, or a map of them. */
const ONE = ['items', 'not', 'additionalItems'];
const LIST = ['allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', 'definitions'];

/**
 * A copy of `schema` made strict for kubeconform's draft-4 validator: `$ref`s into the OpenAPI
 * components point at `#/definitions/`, an object schema that lists its properties (and does not
 * say it keeps unknown fields) refuses others, and `nullable` allows null.
 */
export function strictSchema(schema) {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = { ...schema };
  if (typeof out.$ref === 'string') out.$ref = out.$ref.replace('#/components/schemas/', '#/definitions/');
  for (const key of ONE) if (out[key] !== undefined && typeof out[key] === 'object') out[key] = strictSchema(out[key]);
  for (const key of LIST) if (Array.isArray(out[key])) out[key] = out[key].map(strictSchema);
  for (const key of MAP) {
    if (out[key] !== undefined) out[key] = Object.fromEntries(Object.entries(out[key]).map(([name, sub]) => [name, strictSchema(sub)]));
  }
  if (typeof out.additionalProperties === 'object') out.additionalProperties = strictSchema(out.additionalProperties);
  if (out.properties !== undefined && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/** Names of the component schemas `schema` reaches through `$ref`, transitively. */
function reachable(schema, components) {
  const seen = new Set();
  const visit = (node) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/components/schemas/')) {
      const name = node.$ref.slice('#/components/schemas/'.length);
      if (!seen.has(name)) {
        seen.add(name);
        visit(components[name]);
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(schema);
  return [...seen].sort();
}

/**
 * One self-contained schema file per kind of the OpenAPI v3 components (those with
 * x-kubernetes-group-version-kind): the kind's schema plus, under `definitions`, every component it
 * reaches. Returns Map<file name, schema>.
 */
export function schemasFromOpenApi(components) {
  const files = new Map();
  for (const [name, schema] of Object.entries(components)) {
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
      const definitions = Object.fromEntries(reachable(schema, components).map((ref) => [ref, strictSchema(components[ref])]));
      files.set(schemaFileName(gvk.kind, gvk.group, gvk.version), { ...strictSchema(schema), definitions, 'x-berth-source': name });
    }
  }
  return files;
}

/** One schema file per version of a CustomResourceDefinition (its openAPIV3Schema). */
export function schemasFromCrd(crd) {
  const files = new Map();
  for (const version of crd.spec.versions) {
    files.set(schemaFileName(crd.spec.names.kind, crd.spec.group, version.name), strictSchema(version.schema.openAPIV3Schema));
  }
  return files;
}

function goModDownload(module, version, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['mod', 'download', '-json', `${module}@${version}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout).Dir);
      else reject(new Error(`go mod download ${module}@${version} exited with ${code}: ${stdout}${stderr}`.trim()));
    });
  });
}

/**
 * Make the schema directory unless it is there. Built in a temp directory renamed into place, so
 * an interrupted build leaves nothing half made. Resolves with { dir, seconds|undefined when cached, files }.
 */
export async function ensureKubernetesSchemas({ root = toolsCacheRoot(), env = process.env } = {}) {
  const dir = kubernetesSchemasDir(root);
  const variant = `v${KUBERNETES_VERSION}-standalone-strict`;
  if (existsSync(join(dir, variant))) return { dir, seconds: undefined, files: (await readdir(join(dir, variant))).length };
  const started = performance.now();
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, '.build-kubernetes-schemas-'));
  try {
    const { kubernetes, prometheusOperator } = SCHEMA_SOURCES;
    const specDir = join(await goModDownload(kubernetes.module, kubernetes.version, env), kubernetes.specDir);
    const components = {};
    for (const file of (await readdir(specDir)).filter((name) => name.endsWith('.json')).sort()) {
      Object.assign(components, JSON.parse(await readFile(join(specDir, file), 'utf8')).components?.schemas ?? {});
    }
    const files = schemasFromOpenApi(components);
    const operatorDir = await goModDownload(prometheusOperator.module, prometheusOperator.version, env);
    for (const crd of prometheusOperator.crds) {
      for (const [name, schema] of schemasFromCrd(JSON.parse(await readFile(join(operatorDir, crd), 'utf8')))) files.set(name, schema);
    }
    await mkdir(join(work, variant));
    for (const [name, schema] of files) await writeFile(join(work, variant, name), JSON.stringify(schema));
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir).catch(async (error) => {
      if (!existsSync(join(dir, variant))) throw error;
      await rm(work, { recursive: true, force: true });
    });
    return { dir, seconds: (performance.now() - started) / 1000, files: files.size };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}
