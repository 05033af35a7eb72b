import { gt, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Page } from '../metadata-store.js';

/** `column > after` when the page starts after a name, else nothing. */
export function afterCondition(column: PgColumn, page: Page): SQL | undefined {
  return page.after === undefined ? undefined : gt(column, page.after);
}

/** The distinct values of `items`, keeping first-seen order. */
export function distinct(items: readonly string[]): string[] {
  return [...new Set(items)];
}
