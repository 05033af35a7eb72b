import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KUBERNETES_VERSION, kubeconformSchemaLocation, kubernetesSchemasDir } from '../../scripts/kubernetes-schemas.mjs';
import { toolPath } from '../harness/go-tools.js';

// Rendered manifests checked by the pinned kubeconform (scripts/go-tools.json) in -strict mode
// against the offline schemas scripts/test-prereqs.mjs made (scripts/kubernetes-schemas.mjs): no
// download, and a kind without a schema is an error, not a skip.

export interface KubeconformResult {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
}

export interface KubeconformReport {
  /** kubeconform's exit status: 0 only when every document is valid. */
  status: number | null;
  resources: KubeconformResult[];
}

/** Validate a stream of YAML documents (as `helm template` prints it). */
export function kubeconform(yamlText: string): KubeconformReport {
  const dir = kubernetesSchemasDir();
  if (!existsSync(dir)) throw new Error(`the Kubernetes schemas are not made at ${dir}; run \`node scripts/test-prereqs.mjs\``);
  const args = ['-strict', '-output', 'json', '-verbose', '-kubernetes-version', KUBERNETES_VERSION, '-schema-location', kubeconformSchemaLocation(dir), '-'];
  // An empty HOME and no cache: kubeconform reads only the schema directory.
  const run = spawnSync(toolPath('kubeconform'), args, { input: yamlText, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, maxBuffer: 64 * 1024 * 1024 });
  if (run.error !== undefined) throw run.error;
  let parsed: { resources?: KubeconformResult[] };
  try {
    parsed = JSON.parse(run.stdout) as { resources?: KubeconformResult[] };
  } catch {
    throw new Error(`kubeconform printed no JSON (exit ${run.status}): ${run.stdout}${run.stderr}`);
  }
  return { status: run.status, resources: parsed.resources ?? [] };
}

/** One line per document that is not valid: `Kind/name: status: message`. */
export function problems(report: KubeconformReport): string[] {
  return report.resources.filter((resource) => resource.status !== 'statusValid').map((resource) => `${resource.kind}/${resource.name}: ${resource.status}: ${resource.msg}`);
}
