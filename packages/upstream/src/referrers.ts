import { KNOWN_MANIFEST_MEDIA_TYPES, OCI_IMAGE_INDEX, normalizeMediaType, parseNextLink, parseReference, referrersTagFor } from '@berth/oci';
import type { Descriptor } from '@berth/oci';
import { header } from './http.js';
import type { UpstreamFetch } from './http.js';
import { headManifest } from './manifests.js';
import type { ManifestContext } from './manifests.js';
import { ReferrerList, indexEntries, readWithinBudget } from './referrer-list.js';
import type { ReferrersLimits } from './referrer-list.js';
import type { UpstreamLogger, UpstreamReferrers } from './types.js';

/** Cosign's legacy tags `sha256-<hex>.<suffix>` and the artifactType their descriptors get. */
const COSIGN_TAGS = [
  { suffix: 'sig', artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
  { suffix: 'att', artifactType: 'application/vnd.dev.cosign.artifact.att.v1+json' },
  { suffix: 'sbom', artifactType: 'application/vnd.dev.cosign.artifact.sbom.v1+json' },
] as const;
export const COSIGN_TAG_ANNOTATION = 'dev.berth.cosign-tag';

/**
 * Whether one upstream lacks the referrers API, remembered for `ms`. Only the lack matters: an
 * upstream with the API is asked every time, and a 404 from it still means "no API" (spec).
 */
export class ReferrersApiMemory {
  private lacksUntil = 0;

  constructor(
    private readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {}

  knownToLack(): boolean {
    return this.now() < this.lacksUntil;
  }

  record(hasApi: boolean): void {
    this.lacksUntil = hasApi ? 0 : this.now() + this.ms;
  }
}

export interface ReferrersContext {
  upstream: string;
  fetch: UpstreamFetch;
  /** A `/v2/...` path at the upstream. */
  endpoint: (path: string) => URL;
  limits: ReferrersLimits;
  memory: ReferrersApiMemory;
  /** For the cosign tags' HEADs, which fall back to a GET when the upstream omits the digest. */
  manifests: ManifestContext;
  logger?: UpstreamLogger | undefined;
}

/**
 * The referrers of `subject`: the referrers API with its Link pages; when the upstream has none
 * (a 404, or a 200 that is not an image index), the referrers tag schema's index followed by
 * cosign's legacy tags. Arguments are validated by the caller.
 */
export async function listReferrers(context: ReferrersContext, repository: string, subject: string): Promise<UpstreamReferrers> {
  const list = new ReferrerList(context.limits);
  let source: UpstreamReferrers['source'] = 'tag-schema';
  if (!context.memory.knownToLack()) {
    const answered = await readReferrersApi(context, repository, subject, list);
    context.memory.record(answered);
    if (answered) source = 'api';
  }
  if (source === 'tag-schema') await readTagSchema(context, repository, subject, list);
  if (list.skipped > 0) {
    context.logger?.warn({ upstream: context.upstream, repository, subject, skipped: list.skipped }, 'invalid upstream referrers skipped');
  }
  return { descriptors: list.descriptors, source, truncated: list.truncated };
}

/** Reads the API's pages into `list`; false when the upstream has no referrers API. */
async function readReferrersApi(context: ReferrersContext, repository: string, subject: string, list: ReferrerList): Promise<boolean> {
  let url = context.endpoint(`/v2/${repository}/referrers/${subject}`);
  const visited = new Set<string>();
  for (let page = 0; ; page += 1) {
    if (page >= context.limits.maxPages) return list.cut();
    visited.add(url.href);
    const response = await context.fetch('referrers', 'GET', url, repository, { accept: OCI_IMAGE_INDEX });
    if (response === null) return page === 0 ? false : list.cut();
    const body = await readWithinBudget(context.upstream, response, list);
    if (body === undefined) {
      // Too big to tell from the body: only the Content-Type can say the API answered.
      const declaredIndex = normalizeMediaType(header(response.headers, 'content-type')) === OCI_IMAGE_INDEX;
      return page === 0 && !declaredIndex ? false : list.cut();
    }
    const entries = indexEntries(body);
    if (entries === undefined) return page === 0 ? false : list.cut();
    if (!list.addEntries(entries)) return true;
    const next = parseNextLink(response.headers.link);
    if (next === undefined) return true;
    const nextUrl = URL.canParse(next, response.url.href) ? new URL(next, response.url) : undefined;
    if (nextUrl === undefined || (nextUrl.protocol !== 'http:' && nextUrl.protocol !== 'https:')) return list.cut();
    // A Link back to a page already read would loop; everything was listed.
    if (visited.has(nextUrl.href)) return true;
    url = nextUrl;
  }
}

/** The tag schema's index, then the cosign tags that exist, all asked for at once. */
async function readTagSchema(context: ReferrersContext, repository: string, subject: string, list: ReferrerList): Promise<void> {
  const tag = referrersTagFor(subject);
  // Cosign names its tags after sha256 digests only.
  const cosignTags = subject.startsWith('sha256:') ? COSIGN_TAGS : [];
  const [entries, ...cosign] = await Promise.all([
    readTagSchemaIndex(context, repository, tag, list),
    ...cosignTags.map((cosignTag) => cosignDescriptor(context, repository, `${tag}.${cosignTag.suffix}`, cosignTag.artifactType)),
  ]);
  if (!list.addEntries(entries)) return;
  for (const descriptor of cosign) {
    if (descriptor !== undefined && !list.add(descriptor)) return;
  }
}

/** The `manifests` of the index at the tag-schema tag; none when it is missing or not an index. */
async function readTagSchemaIndex(context: ReferrersContext, repository: string, tag: string, list: ReferrerList): Promise<unknown[]> {
  const url = context.endpoint(`/v2/${repository}/manifests/${tag}`);
  const response = await context.fetch('manifest-get', 'GET', url, repository, { accept: OCI_IMAGE_INDEX });
  if (response === null) return [];
  const body = await readWithinBudget(context.upstream, response, list);
  if (body === undefined) {
    list.cut();
    return [];
  }
  return indexEntries(body) ?? [];
}

async function cosignDescriptor(context: ReferrersContext, repository: string, tag: string, artifactType: string): Promise<Descriptor | undefined> {
  const url = context.endpoint(`/v2/${repository}/manifests/${tag}`);
  const head = await headManifest(context.manifests, url, repository, parseReference(tag), KNOWN_MANIFEST_MEDIA_TYPES);
  if (head === null) return undefined;
  return { mediaType: head.mediaType, digest: head.digest, size: head.size, artifactType, annotations: { [COSIGN_TAG_ANNOTATION]: tag } };
}
