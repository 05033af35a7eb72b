import type { Project } from '../types';
import { CopyButton } from '../ui';

/**
 * How to pull one repository: docker, podman, and containerd's hosts.toml (for a proxy project with
 * `ns`, the mirror of that registry, routed by `?ns=`; otherwise Berth itself as the host).
 */
export function PullHelp({ project, repository, reference = 'latest' }: { project: Project; repository: string; reference?: string }) {
  const host = location.host;
  const plain = location.protocol === 'http:';
  // Docker already treats loopback registries as insecure.
  const loopback = /^(localhost|127\.|\[::1\])/.test(location.hostname);
  const ref = reference.includes(':') ? `${host}/${repository}@${reference}` : `${host}/${repository}:${reference}`;
  const ns = project.kind === 'proxy' ? project.ns?.[0] : undefined;
  const upstreamPath = repository.slice(project.name.length + 1);
  const containerd = ns !== undefined
    ? `# /etc/containerd/certs.d/${ns}/hosts.toml  (then: ctr image pull --hosts-dir /etc/containerd/certs.d ${ns}/${upstreamPath}:${reference})\nserver = "https://${ns === 'docker.io' ? 'registry-1.docker.io' : ns}"\n[host."${location.protocol}//${host}"]\n  capabilities = ["pull", "resolve"]`
    : `# /etc/containerd/certs.d/${host}/hosts.toml\nserver = "${location.protocol}//${host}"\n[host."${location.protocol}//${host}"]\n  capabilities = ["pull", "resolve", "push"]`;
  const lines: Array<[string, string]> = [
    ['docker', `docker pull ${ref}`],
    ['podman', `podman pull ${plain ? '--tls-verify=false ' : ''}${ref}`],
    ['containerd (hosts.toml)', containerd],
  ];
  return (
    <details class="pull-help">
      <summary>How to pull {repository}</summary>
      {plain && !loopback && <p class="muted">Berth is served over plain HTTP here: docker needs <code>{host}</code> in <code>insecure-registries</code> (daemon.json).</p>}
      <dl>
        {lines.map(([client, text]) => (
          <div key={client}>
            <dt>
              {client} <CopyButton text={text} label={`Copy ${client}`} />
            </dt>
            <dd>
              <pre>{text}</pre>
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
