import { useState } from 'preact/hooks';
import { api } from '../api';
import { can } from '../roles';
import type { Me, Project } from '../types';
import { ErrorNote, Notice, Switch, useAction } from '../ui';

/**
 * Visibility, and for proxy projects the upstream (credentials are write-only: left empty, the
 * stored ones stay while the URL is unchanged), TTLs, push policy and upstream referrers.
 * Only changed fields are sent; a refusal (403, 409 for a configuration-owned project) is shown.
 */
export function SettingsTab({ me, project, onSaved }: { me: Me; project: Project; onSaved: () => void }) {
  const editable = can(me, project.name, 'maintainer');
  const [run, error, busy] = useAction();
  const [saved, setSaved] = useState(false);
  const [isPublic, setPublic] = useState(project.public);
  const [url, setUrl] = useState(project.upstream?.url ?? '');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [tagTtl, setTagTtl] = useState(String(project.tagTtlSeconds ?? ''));
  const [maxStale, setMaxStale] = useState(String(project.maxStaleSeconds ?? ''));
  const [negativeTtl, setNegativeTtl] = useState(String(project.negativeTtlSeconds ?? ''));
  const [pushPolicy, setPushPolicy] = useState(project.pushPolicy ?? 'referrers');
  const [referrers, setReferrers] = useState(project.referrersProxy === true);

  const patch = (): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    if (isPublic !== project.public) body.public = isPublic;
    if (project.kind !== 'proxy') return body;
    const number = (text: string, was: number | undefined, key: string) => {
      if (text !== '' && Number(text) !== was) body[key] = Number(text);
    };
    number(tagTtl, project.tagTtlSeconds, 'tagTtlSeconds');
    number(maxStale, project.maxStaleSeconds, 'maxStaleSeconds');
    number(negativeTtl, project.negativeTtlSeconds, 'negativeTtlSeconds');
    if (pushPolicy !== project.pushPolicy) body.pushPolicy = pushPolicy;
    if (referrers !== project.referrersProxy) body.referrersProxy = referrers;
    if (url !== project.upstream?.url || username !== '' || password !== '') {
      const up = project.upstream;
      body.upstream = {
        url,
        ...(up ? { insecureSkipVerify: up.insecureSkipVerify, tokenRealmHosts: up.tokenRealmHosts } : {}),
        ...(username !== '' || password !== '' ? { username, password } : {}),
      };
    }
    return body;
  };

  return (
    <form
      class="settings"
      aria-label="Project settings"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void run(() => api('PATCH', `/projects/${encodeURIComponent(project.name)}`, patch())).then((ok) => {
          if (!ok) return;
          setSaved(true);
          setUsername('');
          setPassword('');
          onSaved();
        });
      }}
    >
      <fieldset disabled={!editable || busy}>
        <legend>Visibility</legend>
        <label class="inline">
          <Switch label="Public" checked={isPublic} onChange={setPublic} /> Public (anyone may pull, logged in or not when anonymous pull is on)
        </label>
      </fieldset>
      {project.kind === 'proxy' && (
        <>
          <fieldset disabled={!editable || busy}>
            <legend>Upstream</legend>
            <label>URL <input type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} /></label>
            <p class="muted">
              Credentials: <strong>{project.upstream?.credentials ?? 'none'}</strong>. They are write-only: leave these empty to keep them.
              {project.upstream?.customCa && ' Changing the upstream here drops its custom CA (set it again in the configuration or with the API).'}
            </p>
            <label>User name <input autoComplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} /></label>
            <label>Password or token <input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
          </fieldset>
          <fieldset disabled={!editable || busy}>
            <legend>Cache</legend>
            <label>Tag TTL (seconds) <input type="number" min={0} value={tagTtl} onInput={(e) => setTagTtl(e.currentTarget.value)} /></label>
            <label>Serve stale for (seconds) <input type="number" min={0} value={maxStale} onInput={(e) => setMaxStale(e.currentTarget.value)} /></label>
            <label>Remember upstream 404s for (seconds) <input type="number" min={0} value={negativeTtl} onInput={(e) => setNegativeTtl(e.currentTarget.value)} /></label>
          </fieldset>
          <fieldset disabled={!editable || busy}>
            <legend>Pushes and referrers</legend>
            <label>
              Push policy{' '}
              <select value={pushPolicy} onChange={(e) => setPushPolicy(e.currentTarget.value as 'referrers' | 'none' | 'all')}>
                <option value="referrers">referrers: signatures, SBOMs, attestations</option>
                <option value="none">none</option>
                <option value="all">all</option>
              </select>
            </label>
            <label class="inline">
              <Switch label="Merge the upstream's referrers" checked={referrers} onChange={setReferrers} /> Merge the upstream’s referrers (referrersProxy)
            </label>
          </fieldset>
        </>
      )}
      {editable ? <button type="submit" disabled={busy}>Save</button> : <p class="muted">Changing settings needs the maintainer role.</p>}
      <ErrorNote error={error} />
      {saved && <Notice>Saved.</Notice>}
    </form>
  );
}
