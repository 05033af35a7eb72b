import { cacheStatusHeader } from '@berth/core';
import { OCI_IMAGE_INDEX } from '@berth/oci';
import { queryValue, queryValues } from '../../http/context.js';
import type { MethodTable } from './router.js';

/** GET /v2/<name>/referrers/<digest>?artifactType= : an image index of the subject's referrers. */
export const referrersRoutes: MethodTable = {
  async GET({ req, res, services, params: [name = '', digest = ''] }) {
    const artifactTypes = queryValues(req, 'artifactType');
    const cursor = queryValue(req, 'last');
    const page = await services.referrers.list(name, digest, {
      ...(artifactTypes.length > 0 ? { artifactTypes } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    if (page.filtered) res.setHeader('OCI-Filters-Applied', 'artifactType');
    if (page.upstream !== undefined) res.setHeader('Cache-Status', cacheStatusHeader(page.upstream));
    if (page.next !== undefined) {
      const query = new URLSearchParams(artifactTypes.map((t): [string, string] => ['artifactType', t]));
      query.set('last', page.next);
      res.setHeader('Link', `</v2/${name}/referrers/${digest}?${query.toString()}>; rel="next"`);
    }
    res.status(200).setHeader('Content-Type', OCI_IMAGE_INDEX);
    res.end(page.body);
  },
};
