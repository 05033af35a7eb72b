export { createUpstreamClient } from './client.js';
export { UpstreamError, UpstreamUnavailableError, isUpstreamUnavailable } from './errors.js';
export type { UnavailableReason } from './errors.js';
export { FORWARDED_HEADERS } from './types.js';
export type {
  BreakerState,
  FetchedManifest,
  ManifestHead,
  UpstreamBlob,
  UpstreamClient,
  UpstreamHooks,
  UpstreamLogger,
  UpstreamOptions,
  UpstreamReferrers,
  UpstreamRequestKind,
} from './types.js';
export { bypassesProxy, proxyFor, type UpstreamProxySettings } from './proxy-route.js';
