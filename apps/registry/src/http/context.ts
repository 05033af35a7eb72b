import type { Request, Response } from 'express';
import type { RegistryServices } from '@berth/core';

/** What every /v2 route handler receives. */
export interface RouteContext {
  req: Request;
  res: Response;
  services: RegistryServices;
  /** Captures from the route pattern: the repository name first, then the rest. */
  params: string[];
  /** The repository name as the client wrote it (params[0] differs when `?ns=` routed it into a project). */
  requestedName: string;
  /** A Location path as clients should follow it: absolute under server.publicUrl when set, else as is. */
  link(path: string): string;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void>;

/** First value of a query parameter that may be repeated. */
export function queryValue(req: Request, key: string): string | undefined {
  const value = req.query[key];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** Every value of a query parameter. */
export function queryValues(req: Request, key: string): string[] {
  const value = req.query[key];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** True when the request carries a body (a declared length above zero or chunked transfer). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}
