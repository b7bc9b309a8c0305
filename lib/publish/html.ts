import { ownerOf, roleKeys } from '../tuf/roles.js';
import type { RootSigned } from '../tuf/types.js';
import { isTargetEntry, type PublishTree } from './tree.js';

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A human-readable overview of the published repository: each role's signers and expiry. */
export function indexHtml(tree: PublishTree): string {
  const root = tree.roles.get('root')!.signed as RootSigned;
  const rows = [...tree.roles].map(([role, env]) => {
    const rk = roleKeys(role, root, tree.roles);
    const signers = rk ? rk.keyids.map((id) => ownerOf(rk.keys[id], id)).join(', ') : '';
    const online = rk?.keyids.some((id) => rk.keys[id]?.['x-tuf-on-ci-online-uri']);
    return `<tr><td>${esc(role)}</td><td>${env.signed.version}</td><td>${esc(env.signed.expires)}</td><td>${online ? 'online key' : esc(signers)}</td><td>${rk?.threshold ?? ''}</td></tr>`;
  });
  const files = tree.entries
    .filter(isTargetEntry)
    .map(
      (e) =>
        `<li><a href="${esc(e.path)}">${esc(e.name)}</a> (${e.length} bytes, sha256 ${e.sha256})</li>`,
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TUF repository</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}td,th{padding:.3rem .8rem;text-align:left}</style></head>
<body><h1>TUF repository</h1>
<p>Trust starts at <a href="1.root.json">1.root.json</a>; clients update from <a href="timestamp.json">timestamp.json</a>.</p>
<table><tr><th>Role</th><th>Version</th><th>Expires</th><th>Signers</th><th>Threshold</th></tr>
${rows.join('\n')}
</table>
<h2>Targets</h2><ul>
${files.join('\n')}
</ul></body></html>
`;
}
