import type { ProjectRow } from '@berth/db';
import type { UpstreamClient } from '@berth/upstream';
import type { ProxySettings } from './proxy-settings.js';

/** One upstream of a proxy project, as one request sees it. */
export interface ProxyUpstream {
  /** Its label (configured `name`, else the URL's host): metrics, logs, Cache-Status. */
  name: string;
  /** The repository name on this upstream (after its name mapping). */
  repository: string;
  client: UpstreamClient;
}

/** One request's view of a proxy project: local repository name and its upstream counterparts. */
export interface ProxyContext {
  project: ProjectRow;
  settings: ProxySettings;
  /** The repository name as clients use it on Berth (`hub/library/nginx`). */
  name: string;
  /**
   * Every upstream, in the order they are asked (one for a project with `upstream:`); never empty.
   * What asks one upstream only (cosign tag merges) asks the first.
   */
  upstreams: readonly ProxyUpstream[];
}

/**
 * An upstream's name when the project has several (then Cache-Status, messages and the remembered
 * sources name it), else undefined: a project with one upstream answers as before.
 */
export function nameIfSeveral(ctx: Pick<ProxyContext, 'upstreams'>, upstream: string | undefined): string | undefined {
  return ctx.upstreams.length > 1 && upstream !== '' ? upstream : undefined;
}

/** ` <name>` for messages when the project has several upstreams, else ''. */
export function namedInMessages(ctx: Pick<ProxyContext, 'upstreams'>, upstream: string): string {
  const named = nameIfSeveral(ctx, upstream);
  return named === undefined ? '' : ` ${named}`;
}
