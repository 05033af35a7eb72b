import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import type { AdminServices } from '@berth/core';
import { errorHandler } from '../../middleware/errors.js';
import { ADMIN_ROUTES, adminRouter, openApiDocument, pathParameters, type OpenApiDocument } from './index.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const doc: OpenApiDocument = openApiDocument(ADMIN_ROUTES);

function operations(document: OpenApiDocument): Array<{ path: string; method: string; op: Record<string, unknown> }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op: op as unknown as Record<string, unknown> })),
  );
}

describe('the admin API OpenAPI document', () => {
  it('has the structure of an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const { path, method, op } of operations(doc)) {
      expect(path.startsWith('/')).toBe(true);
      expect(METHODS).toContain(method);
      const id = op.operationId as string;
      expect(ids.has(id)).toBe(false);
      ids.add(id);
      const responses = op.responses as Record<string, { description?: unknown }>;
      expect(Object.keys(responses).length).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(responses)) {
        expect(status).toMatch(/^[1-5][0-9][0-9]$/);
        expect(typeof response.description).toBe('string');
      }
    }
    // Every $ref points at a component that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(doc.components.schemas[name]).toBeDefined();
  });

  it('documents every route of the table with its method, and nothing else', () => {
    for (const route of ADMIN_ROUTES) {
      const op = doc.paths[route.path]?.[route.method];
      expect(op?.operationId).toBe(route.operationId);
    }
    for (const { path, method } of operations(doc)) {
      expect(ADMIN_ROUTES.some((route) => route.path === path && route.method === method)).toBe(true);
    }
    expect(operations(doc)).toHaveLength(ADMIN_ROUTES.length);
  });

  it('declares every path parameter, and only those', () => {
    for (const { path, op } of operations(doc)) {
      const declared = (op.parameters as Array<{ name: string; in: string; required: boolean }>).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort()).toEqual(pathParameters(path).sort());
      for (const parameter of declared) expect(parameter.required).toBe(true);
    }
    expect(pathParameters('/projects/{project}/robots/{robot}')).toEqual(['project', 'robot']);
  });

  it('shows who owns a project, and the 409 of a configuration-owned one', () => {
    const project = JSON.stringify(doc.paths['/projects/{project}']?.get?.responses);
    expect(project).toContain('"managedBy"');
    expect(project).toContain('"configuration"');
    expect(project).toContain('"declaredIn"');
    expect(Object.keys(doc.paths['/projects/{project}']?.patch?.responses ?? {})).toContain('409');
    expect(Object.keys(doc.paths['/projects/{project}']?.delete?.responses ?? {})).toContain('409');
  });

  it('takes request bodies from the zod schemas', () => {
    const createUser = doc.paths['/users']?.post?.requestBody?.content['application/json'].schema as { properties?: Record<string, unknown>; required?: string[] };
    expect(Object.keys(createUser.properties ?? {}).sort()).toEqual(['admin', 'name', 'password']);
    expect(createUser.required).toEqual(expect.arrayContaining(['name', 'password']));
    const createProject = JSON.stringify(doc.paths['/projects']?.post?.requestBody);
    for (const field of ['upstream', 'tagTtlSeconds', 'pushPolicy', 'referrersProxy', 'public', 'ns']) expect(createProject).toContain(`"${field}"`);
    const audit = doc.paths['/audit']?.get?.parameters.filter((p) => p.in === 'query').map((p) => p.name);
    expect(audit).toEqual(['limit', 'before', 'project', 'repository', 'action', 'account', 'actor', 'target']);
    // Write-only: no answer has a field for credentials or secrets, except the robot's one-time `secret`.
    const fields = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'properties' && typeof value === 'object' && value !== null) Object.keys(value).forEach((name) => fields.add(name));
          collect(value);
        }
      }
    };
    collect(operations(doc).map(({ op }) => op.responses));
    expect(fields.has('url')).toBe(true);
    for (const field of ['password', 'token', 'username', 'sealedCredentials', 'caPem', 'secretHash', 'passwordHash']) expect(fields.has(field)).toBe(false);
    const secretAnswers = operations(doc).filter(({ op }) => JSON.stringify(op.responses).includes('"secret"')).map(({ op }) => op.operationId);
    expect(secretAnswers.sort()).toEqual(['createRobot', 'regenerateRobotSecret']);
  });
});

describe('the admin router', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    // No authenticate middleware: every caller is anonymous, and no service is ever reached.
    app.use('/api/v1', adminRouter({ services: {} as AdminServices }));
    app.use(errorHandler(pino({ level: 'silent' })));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves every documented operation: 401 with a Basic challenge for anonymous callers', async () => {
    for (const { path, method } of operations(doc)) {
      if (path === '/openapi.json') continue;
      const url = base + path.replace(/\{([^}]+)\}/g, 'x$1');
      const res = await fetch(url, { method: method.toUpperCase(), ...(method === 'get' || method === 'delete' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="berth"');
      const body = (await res.json()) as { errors: Array<{ code: string }> };
      expect(body.errors[0]?.code).toBe('UNAUTHORIZED');
    }
  });

  it('serves the document without authentication, and 404 for unknown endpoints', async () => {
    const res = await fetch(`${base}/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    const unknown = await fetch(`${base}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('NOT_FOUND');
  });

  it('answers a body that is not JSON with 400 INVALID_INPUT', async () => {
    const res = await fetch(`${base}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('INVALID_INPUT');
  });
});
