import { nextLink, parsePageParams } from '@berth/oci';
import type { MethodTable } from './router.js';

/** GET /v2/: the API version check clients make first. */
export const baseRoutes: MethodTable = {
  async GET({ res }) {
    res.status(200).json({});
  },
  async HEAD({ res }) {
    res.status(200).end();
  },
};

/** GET /v2/_catalog?n=&last= */
export const catalogRoutes: MethodTable = {
  async GET({ req, res, services }) {
    const page = parsePageParams({ n: req.query.n, last: req.query.last });
    const { items, more } = await services.listing.catalog(page);
    const last = items[items.length - 1];
    if (more && last !== undefined && page.limit !== undefined) {
      res.setHeader('Link', nextLink('/v2/_catalog', {}, last, page.limit));
    }
    res.status(200).json({ repositories: items });
  },
};
