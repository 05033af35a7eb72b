import type { ProjectRow } from '@berth/db';
import type { UpstreamClient } from '@berth/upstream';
import type { ProxySettings } from './proxy-settings.js';

/** One request's view of a proxy project: local repository name and its upstream counterpart. */
export interface ProxyContext {
  project: ProjectRow;
  settings: ProxySettings;
  /** The repository name as clients use it on Berth (`hub/library/nginx`). */
  name: string;
  /** The repository name on the upstream (`library/nginx`). */
  upstreamName: string;
  upstream: UpstreamClient;
}
