import { OciError } from '@berth/oci';
import type { ProxySettings } from './proxy-settings.js';

/** The referrers tag schema (`sha256-<hex>`) and cosign's `sha256-<hex>.sig/.att/.sbom` tags. */
const REFERRER_TAG = /^(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})(\.(sig|att|sbom))?$/;

export function isReferrerTag(tag: string): boolean {
  return REFERRER_TAG.test(tag);
}

export type ProxyPush = { kind: 'blob' } | { kind: 'manifest'; subject: string | undefined; tags: string[] };

/** DENIED unless the project's push policy admits this push. */
export function assertPushAllowed(project: string, policy: ProxySettings['pushPolicy'], push: ProxyPush): void {
  if (policy === 'all') return;
  if (policy === 'none') {
    throw new OciError('DENIED', `project ${project} is a pull-through cache with push policy "none": it accepts no pushes`);
  }
  if (push.kind === 'blob') return;
  const foreignTags = push.tags.filter((tag) => !isReferrerTag(tag));
  if (foreignTags.length > 0) {
    throw new OciError(
      'DENIED',
      `project ${project} has push policy "referrers": tag ${foreignTags[0]} is not a referrers tag (sha256-<hex>, optionally .sig/.att/.sbom)`,
    );
  }
  if (push.subject === undefined && push.tags.length === 0) {
    throw new OciError('DENIED', `project ${project} has push policy "referrers": only manifests with a subject or referrers tags may be pushed`);
  }
}
