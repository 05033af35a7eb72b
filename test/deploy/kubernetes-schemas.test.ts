import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { KUBERNETES_VERSION, kubernetesSchemasDir, schemaFileName, schemasFromCrd, schemasFromOpenApi, strictSchema } from '../../scripts/kubernetes-schemas.mjs';

// scripts/kubernetes-schemas.mjs: the offline schemas kubeconform validates the Helm chart against.

describe('strictSchema', () => {
  it('closes object schemas that list their properties, at every depth, and points $refs at definitions', () => {
    const schema = strictSchema({
      type: 'object',
      properties: {
        spec: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }] },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        raw: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
        // A property that happens to be named like a keyword is a property, not a keyword.
        properties: { type: 'string', nullable: true },
      },
    });
    expect(schema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        spec: { allOf: [{ $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' }] },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        raw: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
        properties: { type: ['string', 'null'], nullable: true },
      },
    });
  });
});

describe('file names', () => {
  it("match kubeconform's {{ .ResourceKind }}{{ .KindSuffix }} (the group's first label)", () => {
    expect(schemaFileName('Deployment', 'apps', 'v1')).toBe('deployment-apps-v1.json');
    expect(schemaFileName('Service', '', 'v1')).toBe('service-v1.json');
    expect(schemaFileName('Ingress', 'networking.k8s.io', 'v1')).toBe('ingress-networking-v1.json');
    expect(schemaFileName('ServiceMonitor', 'monitoring.coreos.com', 'v1')).toBe('servicemonitor-monitoring-v1.json');
  });

  it('one self-contained file per kind of the OpenAPI components, and per version of a CRD', () => {
    const components = {
      'io.k8s.api.core.v1.ConfigMap': {
        type: 'object',
        properties: { metadata: { $ref: '#/components/schemas/meta.ObjectMeta' } },
        'x-kubernetes-group-version-kind': [{ group: '', kind: 'ConfigMap', version: 'v1' }],
      },
      'meta.ObjectMeta': { type: 'object', properties: { name: { type: 'string' }, owner: { $ref: '#/components/schemas/meta.Owner' } } },
      'meta.Owner': { type: 'object', properties: { uid: { type: 'string' } } },
      'meta.Unused': { type: 'object', properties: {} },
    };
    const files = schemasFromOpenApi(components);
    expect([...files.keys()]).toEqual(['configmap-v1.json']);
    const file = files.get('configmap-v1.json') as { definitions: Record<string, unknown>; properties: unknown };
    expect(Object.keys(file.definitions)).toEqual(['meta.ObjectMeta', 'meta.Owner']);
    expect(file.properties).toEqual({ metadata: { $ref: '#/definitions/meta.ObjectMeta' } });

    const crd = {
      spec: { group: 'monitoring.coreos.com', names: { kind: 'ServiceMonitor' }, versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }] },
    };
    expect(schemasFromCrd(crd)).toEqual(new Map([['servicemonitor-monitoring-v1.json', { type: 'object', properties: { spec: { type: 'object' } }, additionalProperties: false }]]));
  });
});

describe('the schemas test-prereqs made', () => {
  it('cover every kind the chart renders', () => {
    const files = readdirSync(join(kubernetesSchemasDir(), `v${KUBERNETES_VERSION}-standalone-strict`));
    for (const name of ['deployment-apps-v1', 'daemonset-apps-v1', 'service-v1', 'configmap-v1', 'secret-v1', 'serviceaccount-v1', 'persistentvolumeclaim-v1', 'ingress-networking-v1', 'poddisruptionbudget-policy-v1', 'horizontalpodautoscaler-autoscaling-v2', 'servicemonitor-monitoring-v1']) {
      expect(files).toContain(`${name}.json`);
    }
    const deployment = JSON.parse(readFileSync(join(kubernetesSchemasDir(), `v${KUBERNETES_VERSION}-standalone-strict`, 'deployment-apps-v1.json'), 'utf8')) as { additionalProperties?: unknown; definitions?: Record<string, unknown> };
    expect(deployment.additionalProperties).toBe(false);
    expect(Object.keys(deployment.definitions ?? {})).toContain('io.k8s.api.core.v1.PodSpec');
  });
});
