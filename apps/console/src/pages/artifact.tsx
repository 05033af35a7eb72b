import { api, repoSegment } from '../api';
import { href } from '../router';
import type { Artifact, ReferrerNode } from '../types';
import { Badge, ErrorNote, When, bytes, shortDigest, useLoad } from '../ui';

const KNOWN_TYPES: Array<[RegExp, string]> = [
  [/sigstore|cosign|notary|signature/i, 'signature'],
  [/spdx|cyclonedx|sbom|syft/i, 'SBOM'],
  [/in-toto|attestation|provenance|vex/i, 'attestation'],
];

function label(node: ReferrerNode): string {
  const type = node.artifactType ?? node.mediaType;
  return KNOWN_TYPES.find(([pattern]) => pattern.test(type))?.[1] ?? 'artifact';
}

export function ArtifactPage({ project, repository, reference }: { project: string; repository: string; reference: string }) {
  const path = `/projects/${encodeURIComponent(project)}/repositories/${repoSegment(repository)}/artifacts/${encodeURIComponent(reference)}`;
  const loaded = useLoad(() => api<Artifact>('GET', path), [path]);
  const a = loaded.data;
  return (
    <section aria-labelledby="artifact-title">
      <p class="crumbs">
        <a href="#/">Projects</a> / <a href={href('projects', project)}>{project}</a> /{' '}
        <a href={href('projects', project, 'repositories', repository)}>{repository}</a> /
      </p>
      <h1 id="artifact-title">
        {project}/{repository}
        {reference.includes(':') ? '@' : ':'}
        {reference}
      </h1>
      <ErrorNote error={loaded.error} />
      {a && (
        <>
          <dl class="facts">
            <dt>Digest</dt><dd><code>{a.digest}</code></dd>
            <dt>Media type</dt><dd>{a.mediaType}</dd>
            {a.artifactType && (<><dt>Artifact type</dt><dd>{a.artifactType}</dd></>)}
            <dt>Size</dt><dd>{bytes(a.sizeBytes)}</dd>
            <dt>Source</dt><dd><Badge kind={a.source}>{a.source}</Badge></dd>
            <dt>Tags</dt><dd>{a.tags.join(', ') || <span class="muted">none</span>}</dd>
            <dt>Stored</dt><dd><When at={a.createdAt} /></dd>
            <dt>Last pull</dt><dd><When at={a.lastPulledAt} /></dd>
            {a.subject && (<><dt>Refers to</dt><dd><a href={href('projects', project, 'repositories', repository, 'artifacts', a.subject.digest)}><code>{a.subject.digest}</code></a></dd></>)}
          </dl>
          {a.manifests.length > 0 && (
            <section aria-labelledby="platforms-title">
              <h2 id="platforms-title">Platforms</h2>
              <table>
                <thead><tr><th scope="col">Platform</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Stored</th></tr></thead>
                <tbody>
                  {a.manifests.map((m) => (
                    <tr key={m.digest}>
                      <th scope="row">{m.platform ?? <span class="muted">—</span>}</th>
                      <td><a href={href('projects', project, 'repositories', repository, 'artifacts', m.digest)}><code title={m.digest}>{shortDigest(m.digest)}</code></a></td>
                      <td>{bytes(m.size)}</td>
                      <td>{m.stored ? 'yes' : <span class="muted">not yet pulled</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {(a.config || a.layers.length > 0) && (
            <section aria-labelledby="layers-title">
              <h2 id="layers-title">Layers</h2>
              <table>
                <thead><tr><th scope="col">#</th><th scope="col">Media type</th><th scope="col">Digest</th><th scope="col">Size</th></tr></thead>
                <tbody>
                  {a.config && (<tr><th scope="row">config</th><td>{a.config.mediaType}</td><td><code title={a.config.digest}>{shortDigest(a.config.digest)}</code></td><td>{bytes(a.config.size)}</td></tr>)}
                  {a.layers.map((l, i) => (
                    <tr key={`${l.digest}-${i}`}><th scope="row">{i + 1}</th><td>{l.mediaType}</td><td><code title={l.digest}>{shortDigest(l.digest)}</code></td><td>{bytes(l.size)}</td></tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          <section aria-labelledby="referrers-title">
            <h2 id="referrers-title">Signatures, SBOMs and attestations</h2>
            <p class="muted">
              {a.upstreamReferrers === 'off'
                ? 'Stored in Berth only (the project does not merge the upstream’s referrers).'
                : `Stored in Berth and listed by the upstream (upstream list: ${a.upstreamReferrers}).`}
            </p>
            {a.referrers.length === 0 ? <p class="muted" id="no-referrers">None.</p> : <Tree nodes={a.referrers} project={project} repository={repository} top />}
          </section>
        </>
      )}
    </section>
  );
}

function Tree({ nodes, project, repository, top = false }: { nodes: ReferrerNode[]; project: string; repository: string; top?: boolean }) {
  return (
    <ul class={top ? 'tree' : undefined} aria-label={top ? 'Referrers' : undefined} data-testid={top ? 'referrers' : undefined}>
      {nodes.map((n) => (
        <li key={n.digest} data-origin={n.origin} data-digest={n.digest}>
          <span class="kind">{label(n)}</span>{' '}
          {n.origin === 'upstream' ? (
            <code title={n.digest}>{shortDigest(n.digest)}</code>
          ) : (
            <a href={href('projects', project, 'repositories', repository, 'artifacts', n.digest)}><code title={n.digest}>{shortDigest(n.digest)}</code></a>
          )}{' '}
          <Badge kind={n.origin}>{n.origin === 'both' ? 'local + upstream' : n.origin}</Badge>{' '}
          <span class="muted">{n.artifactType ?? n.mediaType} · {bytes(n.size)}</span>
          {n.referrers.length > 0 && <Tree nodes={n.referrers} project={project} repository={repository} />}
        </li>
      ))}
    </ul>
  );
}
