import { assertRepositoryName, parseDigest, parseReference } from '@berth/oci';
import { Authenticator, pullScope } from './auth.js';
import { headBlob, openBlob } from './blobs.js';
import { CircuitBreaker } from './breaker.js';
import { Transport, discard } from './http.js';
import type { UpstreamFetch } from './http.js';
import { fetchManifest, headManifest } from './manifests.js';
import { referrersLimits } from './referrer-list.js';
import { ReferrersApiMemory, listReferrers } from './referrers.js';
import type { ReferrersContext } from './referrers.js';
import { expectSuccess } from './responses.js';
import { DEFAULT_TAGS_PAGE_SIZE, listTags } from './tags.js';
import type { UpstreamClient, UpstreamOptions } from './types.js';

/**
 * A client for one upstream registry (see UpstreamClient): one connection pool, one token
 * cache, one breaker. Arguments are validated before any I/O; close() releases the connections.
 */
export function createUpstreamClient(options: UpstreamOptions): UpstreamClient {
  const name = options.name;
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`upstream ${name}: url must be http(s), got ${base.protocol}`);
  const basePath = base.pathname.replace(/\/+$/, '');
  const endpoint = (path: string) => new URL(`${base.origin}${basePath}${path}`);
  const transport = new Transport(name, options, options.hooks);
  const auth = new Authenticator(name, base, options, transport);
  const breaker = new CircuitBreaker({ upstream: name, ...options.breaker, logger: options.logger, hooks: options.hooks, ...(options.now !== undefined ? { now: options.now } : {}) });

  /** One request: anonymous or with what the upstream asked for before, one retry after a challenge. */
  const fetch: UpstreamFetch = async (kind, method, url, repository, headers = {}, signal) => {
    const scope = pullScope(repository);
    // Credentials only ever go to the upstream's own origin (a Link could point elsewhere).
    const authorized = url.origin === base.origin;
    const sent = authorized ? await auth.initial(scope) : undefined;
    const request = { kind, method, url, headers, ...(signal !== undefined ? { signal } : {}) };
    let response = await transport.send({ ...request, ...(sent !== undefined ? { authorization: sent } : {}) });
    if (response.status === 401 && authorized) {
      let retry: string | undefined;
      try {
        retry = await auth.answer(response, scope, sent);
      } catch (error) {
        discard(response);
        throw error;
      }
      if (retry !== undefined) {
        discard(response);
        response = await transport.send({ ...request, authorization: retry });
      }
    }
    return expectSuccess(response, name);
  };

  const manifests = { upstream: name, maxBytes: options.maxManifestBytes, fetch };
  const blobs = { upstream: name, fetch, breaker, maxResumes: options.maxBlobResumes };
  const referrerLimits = referrersLimits(name, options.referrers);
  const referrers: ReferrersContext = {
    upstream: name,
    fetch,
    endpoint,
    limits: referrerLimits,
    memory: new ReferrersApiMemory(referrerLimits.apiMemoryMs),
    manifests,
    logger: options.logger,
  };

  return {
    name,

    async headManifest(repository, reference, accept) {
      assertRepositoryName(repository);
      const ref = parseReference(reference);
      const url = endpoint(`/v2/${repository}/manifests/${reference}`);
      return breaker.run(() => headManifest(manifests, url, repository, ref, accept));
    },

    async getManifest(repository, reference, accept) {
      assertRepositoryName(repository);
      const ref = parseReference(reference);
      const url = endpoint(`/v2/${repository}/manifests/${reference}`);
      return breaker.run(() => fetchManifest(manifests, url, repository, ref, accept));
    },

    async headBlob(repository, digest) {
      assertRepositoryName(repository);
      parseDigest(digest);
      return breaker.run(() => headBlob(blobs, endpoint(`/v2/${repository}/blobs/${digest}`), repository));
    },

    async openBlob(repository, digest, blobOptions = {}) {
      assertRepositoryName(repository);
      parseDigest(digest);
      const offset = blobOptions.offset ?? 0;
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
      return openBlob(blobs, endpoint(`/v2/${repository}/blobs/${digest}`), repository, digest, offset, blobOptions.signal);
    },

    async listTags(repository) {
      assertRepositoryName(repository);
      const pageSize = options.tagsPageSize ?? DEFAULT_TAGS_PAGE_SIZE;
      const url = endpoint(`/v2/${repository}/tags/list?n=${pageSize}`);
      return breaker.run(() => listTags(name, fetch, url, repository));
    },

    async listReferrers(repository, subject) {
      assertRepositoryName(repository);
      parseDigest(subject);
      return breaker.run(() => listReferrers(referrers, repository, subject));
    },

    breakerState: () => breaker.state(),

    close: () => transport.close(),
  };
}
