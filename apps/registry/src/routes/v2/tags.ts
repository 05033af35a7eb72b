import { nextLink, parsePageParams } from '@berth/oci';
import { cacheStatusHeader, type ListPage } from '@berth/core';
import type { Request } from 'express';
import { queryValue } from '../../http/context.js';
import type { MethodTable } from './router.js';

/** Keep ?ns= on the next page's link. */
function ns(req: Request): Record<string, string> {
  const value = queryValue(req, 'ns');
  return value === undefined ? {} : { ns: value };
}

/** GET /v2/<name>/tags/list?n=&last= (proxy projects: the upstream's tags merged with local ones) */
export const tagRoutes: MethodTable = {
  async GET({ req, res, services, params: [name = ''], requestedName }) {
    const page = parsePageParams({ n: req.query.n, last: req.query.last });
    const proxy = await services.proxy.contextFor(name);
    let listed: ListPage;
    if (proxy === null) listed = await services.listing.tags(name, page);
    else {
      const proxied = await services.proxy.tags(proxy, page);
      res.setHeader('Cache-Status', cacheStatusHeader(proxied.outcome));
      listed = proxied;
    }
    const { items, more } = listed;
    const last = items[items.length - 1];
    if (more && last !== undefined && page.limit !== undefined) {
      res.setHeader('Link', nextLink(`/v2/${requestedName}/tags/list`, ns(req), last, page.limit));
    }
    res.status(200).json({ name: requestedName, tags: items });
  },
};
