// Types of scripts/kubernetes-schemas.mjs for the tests (test/deploy/kubeconform.ts).

export const SCHEMA_SOURCES: {
  kubernetes: { module: string; version: string; specDir: string };
  prometheusOperator: { module: string; version: string; crds: string[] };
};
export const KUBERNETES_VERSION: string;
export function kubernetesSchemasDir(root?: string): string;
export function kubeconformSchemaLocation(dir?: string): string;
export function schemaFileName(kind: string, group: string, version: string): string;
export function strictSchema(schema: unknown): unknown;
export function schemasFromOpenApi(components: Record<string, unknown>): Map<string, unknown>;
export function schemasFromCrd(crd: unknown): Map<string, unknown>;
export function ensureKubernetesSchemas(options?: { root?: string; env?: NodeJS.ProcessEnv }): Promise<{ dir: string; seconds?: number; files: number }>;
