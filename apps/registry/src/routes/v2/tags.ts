import { nextLink, parsePageParams } from '@berth/oci';
import type { MethodTable } from './router.js';

/** GET /v2/<name>/tags/list?n=&last= */
export const tagRoutes: MethodTable = {
  async GET({ req, res, services, params: [name = ''] }) {
    const page = parsePageParams({ n: req.query.n, last: req.query.last });
    const { items, more } = await services.listing.tags(name, page);
    const last = items[items.length - 1];
    if (more && last !== undefined && page.limit !== undefined) {
      res.setHeader('Link', nextLink(`/v2/${name}/tags/list`, {}, last, page.limit));
    }
    res.status(200).json({ name, tags: items });
  },
};
