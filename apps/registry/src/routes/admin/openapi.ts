import * as z from 'zod';
import type { AdminRight, AdminRoute } from './route-table.js';

/** An OpenAPI 3.1 document (the parts Berth writes). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters: Array<{ name: string; in: 'path' | 'query'; required: boolean; schema: unknown }>;
  requestBody?: { required: boolean; content: { 'application/json': { schema: unknown } } };
  responses: Record<string, { description: string; content?: { 'application/json': { schema: unknown } } }>;
}

const RIGHTS: Record<AdminRight, string> = {
  public: 'No authentication.',
  authenticated: 'Any user or robot account.',
  'system-admin': 'A system administrator.',
  'self-or-system-admin': 'A system administrator; a user may change their own password.',
  'project-guest': 'Anyone who may see the project (public projects: every account; otherwise members, its robots and system administrators).',
  'project-maintainer': 'The maintainer role in the project (or admin, or a system administrator).',
  'project-admin': 'The admin role in the project, or a system administrator.',
};

const ERROR_RESPONSES: Record<number, string> = {
  400: 'INVALID_INPUT: the body or query is not valid; `detail` lists `{field, message}`',
  401: 'UNAUTHORIZED: no or invalid credentials (`WWW-Authenticate: Basic realm="berth"`)',
  403: 'DENIED: the caller may see the resource but lacks the right',
  404: 'NOT_FOUND: absent, or not visible to the caller',
  409: 'CONFLICT: already exists, or would lock administration out',
};

const errorSchema = z.object({
  errors: z.array(z.object({ code: z.enum(['INVALID_INPUT', 'UNAUTHORIZED', 'DENIED', 'NOT_FOUND', 'CONFLICT']), message: z.string(), detail: z.unknown().optional() })),
});

const documents = new WeakMap<readonly AdminRoute[], OpenApiDocument>();

/** The OpenAPI document of the admin API, built from the route table (request bodies from their zod schemas). */
export function openApiDocument(routes: readonly AdminRoute[]): OpenApiDocument {
  const known = documents.get(routes);
  if (known !== undefined) return known;
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: { title: 'Berth admin API', version: '1', description: 'Projects, members, robot accounts, cache, users and audit of a Berth registry. See docs/admin-api.md.' },
    servers: [{ url: '/api/v1' }],
    security: [{ basic: [] }, { bearer: [] }],
    components: {
      securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
    },
    paths,
  };
  documents.set(routes, document);
  return document;
}

/** The `{name}` parameters of a path template, in order. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

function operation(route: AdminRoute): OpenApiOperation {
  const parameters: OpenApiOperation['parameters'] = pathParameters(route.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
    parameters.push({ name, in: 'query', required: !(schema as z.ZodType).safeParse(undefined).success, schema: jsonSchema(schema as z.ZodType, 'input') });
  }
  const op: OpenApiOperation = { operationId: route.operationId, summary: route.summary, description: `Requires: ${RIGHTS[route.right]}`, tags: [route.tag], parameters, responses: {} };
  if (route.right === 'public') op.security = [];
  if (route.body !== undefined) {
    // A PATCH applies only the fields sent: the defaults of the schema it shares with creation do not apply.
    const schema = jsonSchema(route.body, 'input', route.method === 'patch');
    op.requestBody = { required: !route.body.safeParse(undefined).success, content: { 'application/json': { schema } } };
  }
  op.responses[String(route.status)] =
    route.response === undefined
      ? { description: 'Done; no content' }
      : { description: 'Success', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } };
  for (const status of errorStatuses(route)) {
    op.responses[String(status)] = { description: ERROR_RESPONSES[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return op;
}

function errorStatuses(route: AdminRoute): number[] {
  const statuses: number[] = [];
  if (route.body !== undefined || route.query !== undefined) statuses.push(400);
  if (route.right !== 'public') statuses.push(401);
  if (route.right !== 'public' && route.right !== 'authenticated') statuses.push(403);
  if (pathParameters(route.path).length > 0) statuses.push(404);
  if (route.conflict === true) statuses.push(409);
  return statuses;
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) without the `$schema` line; transforms show their input or output side. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', withoutDefaults = false): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    // `format: date-time` says it; zod's long equivalent regex only clutters the document.
    override: ({ jsonSchema }) => {
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
      if (withoutDefaults) delete jsonSchema.default;
    },
  }) as Record<string, unknown>;
  return rest;
}
