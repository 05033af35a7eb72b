import type { MetadataStore } from '@berth/db';
import type { RepositoryResolver } from './repositories.js';

export interface ListPage {
  items: string[];
  /** True when more items follow the last one returned. */
  more: boolean;
}

/** tags/list and _catalog, in lexical order with n/last paging. */
export class ListingService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly repositories: RepositoryResolver,
  ) {}

  async tags(name: string, page: { limit?: number; after?: string }): Promise<ListPage> {
    const repository = await this.repositories.forRead(name);
    return pageOf((p) => this.metadata.listTags(repository.id, p), page);
  }

  async catalog(page: { limit?: number; after?: string }): Promise<ListPage> {
    return pageOf((p) => this.metadata.listRepositories(p), page);
  }
}

/** Ask for one item more than requested to learn whether a next page exists. */
async function pageOf(
  list: (page: { limit?: number; after?: string }) => Promise<string[]>,
  page: { limit?: number; after?: string },
): Promise<ListPage> {
  if (page.limit === 0) return { items: [], more: false };
  const query = page.after === undefined ? {} : { after: page.after };
  const items = await list(page.limit === undefined ? query : { ...query, limit: page.limit + 1 });
  if (page.limit !== undefined && items.length > page.limit) return { items: items.slice(0, page.limit), more: true };
  return { items, more: false };
}
