import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES_VERSION } from '../../scripts/kubernetes-schemas.mjs';
import { toolPath } from '../harness/go-tools.js';
import { repoRoot } from './workspaces.js';

// deploy/helm/berth run through the pinned helm (scripts/go-tools.json): lint and template only;
// there is no cluster here. Helm gets its own empty home, so no user's repositories or plugins count.

export const CHART_DIR = join(repoRoot, 'deploy', 'helm', 'berth');
export const RELEASE = 'berth';
export const NAMESPACE = 'registry';

/** One rendered Kubernetes object (the fields the tests read are typed where they are used). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface HelmRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function helm(args: string[]): HelmRun {
  const home = mkdtempSync(join(tmpdir(), 'berth-helm-home-'));
  try {
    const env = { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
    const run = spawnSync(toolPath('helm'), args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error !== undefined) throw run.error;
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Run helm with `values` in a values file (`-f`), for `lint` or `template`. */
function withValues(command: 'lint' | 'template', values: object, extra: string[], chartDir: string): HelmRun {
  const dir = mkdtempSync(join(tmpdir(), 'berth-helm-values-'));
  try {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    const release = command === 'template' ? [RELEASE] : [];
    return helm([command, ...release, chartDir, '--namespace', NAMESPACE, '--kube-version', KUBERNETES_VERSION, '-f', file, ...extra]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function helmLint(values: object, chartDir = CHART_DIR): HelmRun {
  return withValues('lint', values, ['--strict'], chartDir);
}

/** `helm template`'s output as text (throws with helm's message when rendering fails). */
export function helmTemplateText(values: object, chartDir = CHART_DIR): string {
  const run = withValues('template', values, [], chartDir);
  if (run.status !== 0) throw new Error(`helm template exited with ${run.status}: ${run.stderr.trim()}`);
  return run.stdout;
}

/** `helm template` run expecting a failure: its message. */
export function helmTemplateError(values: object, chartDir = CHART_DIR): string {
  const run = withValues('template', values, [], chartDir);
  if (run.status === 0) throw new Error('helm template succeeded where it should have failed');
  return run.stderr;
}

/** The rendered documents, parsed (empty documents dropped). */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message ?? ''}`);
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** The one manifest of `kind` named `name`. */
export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length} (rendered: ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')})`);
  return found[0]!;
}
