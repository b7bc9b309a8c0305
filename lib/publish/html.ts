/**
 * index.html of a published tree: a status page a person reads at a glance. The
 * repository's name, the root to pin and its sha256, every role with its signers,
 * threshold and expiry (on an inline SVG timeline), every target (files and registry
 * artifacts) with its digest and signing role, and copy-paste client snippets.
 *
 * Self-contained: inline CSS, no script, no font, nothing fetched from elsewhere.
 * Everything that comes from metadata is escaped (and control characters shown as
 * `\xNN`). The target list is bounded: a large repository shows counts and the first
 * targets of each role, and links the role metadata that lists all of them.
 */
import { registryArtifactOf } from '../oci/tuf-layout.js';
import { delegatorName } from '../tuf/bins.js';
import { signerCount, validSignatures } from '../tuf/envelope.js';
import { unhealthyRoles } from '../tuf/health.js';
import { ownerOf, periodsOf, roleKeys } from '../tuf/roles.js';
import { ONLINE_URI, type RootSigned, type TargetsSigned } from '../tuf/types.js';
import { isTargetEntry, type PublishTree, type TreeEntry } from './tree.js';

/** What the page says about where it lives; all optional. */
export interface PageInfo {
  /** Repository name shown as the title (e.g. `OWNER/REPO`). */
  name?: string;
  /** Base URL the tree is served from, filled into the snippets. */
  url?: string;
}

/** Targets listed per role, and on the whole page; the rest are counted and linked. */
export const PER_ROLE_ROWS = 100;
const PAGE_ROWS = 500;

const ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escaped: safe in text and in quoted attributes. */
const escHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** Metadata text: control characters made visible, then HTML-escaped. */
function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  const visible = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n > 0xff
      ? `\\u${n.toString(16).padStart(4, '0')}`
      : `\\x${n.toString(16).padStart(2, '0')}`;
  });
  return escHtml(visible);
}

/** A path segment-wise percent-encoded, for an href relative to the page. */
const hrefOf = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

const DAY = 86_400_000;

/** "in 3 days", "expired 2 days ago": rounded to the largest sensible unit. */
export function relativeTime(when: Date, now: Date): string {
  const ms = when.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [365 * DAY, 'year'],
    [30 * DAY, 'month'],
    [DAY, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  // a unit is used from two of it up (36 hours, not "1 day"), except minutes
  const [size, unit] = units.find(([u], i) => abs >= (i === units.length - 1 ? u : 2 * u)) ?? [
    0,
    '',
  ];
  if (!size) return ms >= 0 ? 'in less than a minute' : 'expired less than a minute ago';
  const n = Math.round(abs / size);
  const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${text}` : `expired ${text} ago`;
}

interface Signer {
  owner: string;
  keyid: string;
  signed: boolean;
  online?: string;
}

interface RoleRow {
  role: string;
  version: number;
  expires: Date;
  threshold: number;
  signers: Signer[];
  /** Days before expiry when a new version is due (the signing period). */
  signingDays: number;
  /** The worst problem (colours the row and its bar), and every problem in words. */
  state: 'ok' | 'due' | 'expired' | 'below-threshold';
  problems: string[];
  file: string;
  /** A delegated role's target paths (patterns). */
  paths?: string[];
}

interface TargetRow {
  path: string;
  role: string;
  length: number;
  digest: string;
  /** The published file, for files. */
  href?: string;
  /** Registry artifacts: media type and where the manifest was found. */
  oci?: { mediaType: string; source?: string };
}

function roleRows(tree: PublishTree, now: Date): RoleRow[] {
  const root = tree.roles.get('root')!.signed as RootSigned;
  const problems = new Map(unhealthyRoles(tree.roles, now).map((h) => [h.role, h.problems]));
  const files = new Map(
    tree.entries.filter((e) => !isTargetEntry(e)).map((e) => [e.name, e.path] as const),
  );
  return [...tree.roles].map(([role, env]) => {
    const rk = roleKeys(role, root, tree.roles) ?? { keys: {}, keyids: [], threshold: 1 };
    const valid = new Set(validSignatures(env, rk.keys, rk.keyids));
    const p = problems.get(role) ?? [];
    // one key listed under two keyids counts once, as a client counts it
    const validCount = signerCount(env, rk.keys, rk.keyids);
    let signingDays = 0;
    try {
      signingDays = periodsOf(role, env, root).signing;
    } catch {
      // a malformed period field: the page still shows the role
    }
    const rootVersion = `${root.version}.root.json`;
    const parent = delegatorName(tree.roles, role);
    const delegator = parent === undefined ? undefined : tree.roles.get(parent);
    const delegation = (delegator?.signed as TargetsSigned | undefined)?.delegations?.roles?.find(
      (d) => d.name === role,
    );
    const paths =
      delegation?.paths ?? delegation?.path_hash_prefixes?.map((p) => `hash prefix ${p}`);
    return {
      ...(paths ? { paths } : {}),
      role,
      version: env.signed.version,
      expires: new Date(env.signed.expires),
      threshold: rk.threshold,
      signingDays,
      state: p.includes('expired')
        ? 'expired'
        : p.includes('below-threshold')
          ? 'below-threshold'
          : p.includes('due')
            ? 'due'
            : 'ok',
      problems: [
        ...(p.includes('expired') ? ['expired'] : []),
        ...(p.includes('below-threshold')
          ? [`below threshold: ${validCount} of ${rk.threshold} signatures verify`]
          : []),
        ...(p.includes('due') ? ['due: in its signing period'] : []),
      ],
      file: role === 'root' ? rootVersion : (files.get(role) ?? `${role}.json`),
      signers: rk.keyids.map((id) => {
        const key = rk.keys[id];
        const online = key?.[ONLINE_URI];
        const s: Signer = {
          owner: ownerOf(key, id),
          keyid: id,
          signed: valid.has(id),
        };
        if (typeof online === 'string') s.online = online;
        return s;
      }),
    };
  });
}

function targetRows(tree: PublishTree): TargetRow[] {
  const published = new Map(
    tree.entries.filter(isTargetEntry).map((e: TreeEntry) => [e.name, e.path] as const),
  );
  const rows: TargetRow[] = [];
  for (const [role, env] of tree.roles) {
    if (role === 'root' || role === 'snapshot' || role === 'timestamp') continue;
    for (const [path, t] of Object.entries((env.signed as TargetsSigned).targets ?? {})) {
      const art = registryArtifactOf(t.custom);
      const row: TargetRow = {
        path,
        role,
        length: t.length,
        digest: art?.descriptor.digest ?? `sha256:${t.hashes.sha256}`,
      };
      if (art) row.oci = { mediaType: art.descriptor.mediaType, source: art.source };
      else if (published.has(path)) row.href = published.get(path)!;
      rows.push(row);
    }
  }
  return rows;
}

const num = (n: number): string => n.toLocaleString('en-US');
const shortId = (id: string): string => id.slice(0, 8);

/** The SVG timeline: one row per role, a bar from now to its expiry on a log scale of days. */
function timeline(roles: RoleRow[], now: Date): string {
  const left = 130;
  const width = 560;
  const right = 190;
  const rowH = 26;
  const top = 22;
  const days = roles.map((r) => (r.expires.getTime() - now.getTime()) / DAY);
  const maxDays = Math.max(7, ...days);
  const x = (d: number): number =>
    left + (width * Math.log1p(Math.max(0, d))) / Math.log1p(maxDays);
  const ticks: [number, string][] = [
    [0, 'now'],
    [1, '1 day'],
    [7, '1 week'],
    [30, '1 month'],
    [90, '3 months'],
    [365, '1 year'],
    [730, '2 years'],
    [1825, '5 years'],
  ];
  const h = top + rowH * roles.length + 8;
  const grid = ticks
    .filter(([d]) => d <= maxDays)
    .map(
      ([d, label]) =>
        `<line class="tick" x1="${x(d).toFixed(1)}" y1="14" x2="${x(d).toFixed(1)}" y2="${h - 4}"/><text class="tick-label" x="${x(d).toFixed(1)}" y="10" text-anchor="middle">${label}</text>`,
    )
    .join('');
  const rows = roles
    .map((r, i) => {
      const y = top + i * rowH;
      const d = (r.expires.getTime() - now.getTime()) / DAY;
      const end = x(d);
      const bar =
        d > 0
          ? `<rect class="bar ${r.state}" x="${left}" y="${y + 5}" width="${Math.max(2, end - left).toFixed(1)}" height="14" rx="3"/>`
          : `<rect class="bar ${r.state}" x="${left - 6}" y="${y + 5}" width="6" height="14" rx="2"/>`;
      const band =
        d > 0 && r.signingDays > 0
          ? `<rect class="signing" x="${x(d - r.signingDays).toFixed(1)}" y="${y + 5}" width="${Math.max(0, end - x(d - r.signingDays)).toFixed(1)}" height="14"/>`
          : '';
      const rel = relativeTime(r.expires, now);
      return `<g class="tl-role" data-role="${esc(r.role)}"><title>${esc(r.role)} v${r.version} expires ${esc(r.expires.toISOString())} (${rel})</title><text class="tl-name" x="${left - 10}" y="${y + 16}" text-anchor="end">${esc(r.role)}</text>${bar}${band}<text class="tl-rel ${r.state}" x="${left + width + 10}" y="${y + 16}">${rel}</text></g>`;
    })
    .join('');
  return `<svg class="timeline" role="img" aria-label="Expiry of each role" viewBox="0 0 ${left + width + right} ${h}" width="${left + width + right}" height="${h}" xmlns="http://www.w3.org/2000/svg">${grid}${rows}</svg>`;
}

/** A delegated role's paths, the first few of them. */
function paths(list: string[] | undefined): string {
  if (!list) return '';
  const shown = list.slice(0, 4).map((p) => `<code>${esc(p)}</code>`);
  const more = list.length > 4 ? ` and ${num(list.length - 4)} more` : '';
  return `<div class="paths">${shown.join(', ') || 'no paths'}${more}</div>`;
}

function roleTable(roles: RoleRow[], now: Date): string {
  const rows = roles.map((r) => {
    const signers = r.signers.length
      ? r.signers
          .map(
            (s) =>
              `<li class="signer${s.signed ? ' signed' : ''}"><span class="owner">${esc(s.online ? 'online key' : s.owner)}</span> <code class="keyid" title="${esc(s.keyid)}">${esc(shortId(s.keyid))}</code>${s.online ? ` <span class="uri">${esc(s.online)}</span>` : ''}${s.signed ? ' <span class="ok-mark" title="signed this version">✓ signed</span>' : ''}</li>`,
          )
          .join('')
      : '<li class="signer none">no keys</li>';
    return `<tr class="role" data-role="${esc(r.role)}"><td><a href="${hrefOf(r.file)}">${esc(r.role)}</a>${paths(r.paths)}</td><td class="version">${r.version}</td><td><ul class="signers">${signers}</ul></td><td class="threshold">${r.threshold} of ${r.signers.length}</td><td class="expires"><time datetime="${esc(r.expires.toISOString())}">${esc(r.expires.toISOString().replace('.000Z', 'Z'))}</time><br><span class="rel ${r.state}">${relativeTime(r.expires, now)}</span></td><td class="state ${r.state}">${r.problems.join('; ') || 'ok'}</td></tr>`;
  });
  return `<table class="roles"><thead><tr><th>Role</th><th>Version</th><th>Signers</th><th>Threshold</th><th>Expires</th><th>State</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function targetSection(rows: TargetRow[], roles: RoleRow[]): string {
  const artifacts = rows.filter((r) => r.oci).length;
  const byRole = new Map<string, TargetRow[]>();
  for (const r of rows) {
    const list = byRole.get(r.role);
    if (list) list.push(r);
    else byRole.set(r.role, [r]);
  }
  const fileOf = new Map(roles.map((r) => [r.role, r.file]));
  let budget = PAGE_ROWS;
  const groups = [...byRole].map(([role, list]) => {
    const shown = list.slice(0, Math.max(0, Math.min(PER_ROLE_ROWS, budget)));
    budget -= shown.length;
    const body = shown
      .map((t) => {
        const name = t.href ? `<a href="${hrefOf(t.href)}">${esc(t.path)}</a>` : esc(t.path);
        const kind = t.oci
          ? `registry artifact<br><span class="media">${esc(t.oci.mediaType)}</span>${t.oci.source ? `<br><span class="source">found at ${esc(t.oci.source)}</span>` : ''}`
          : 'file';
        return `<tr class="target${t.oci ? ' artifact' : ''}" data-role="${esc(t.role)}"><td class="path">${name}</td><td class="kind">${kind}</td><td class="digest"><code>${esc(t.digest)}</code></td><td class="size">${num(t.length)}</td><td class="signed-by">${esc(t.role)}</td></tr>`;
      })
      .join('');
    const file = fileOf.get(role) ?? `${role}.json`;
    const more =
      list.length > shown.length
        ? `<p class="more">Showing ${num(shown.length)} of ${num(list.length)}: all are listed in <a href="${hrefOf(file)}">${esc(file)}</a>.</p>`
        : '';
    const open = rows.length <= PER_ROLE_ROWS ? ' open' : '';
    return `<details class="role-targets" data-role="${esc(role)}"${open}><summary><b>${esc(role)}</b>: <span class="count">${num(list.length)}</span> target${list.length === 1 ? '' : 's'}</summary><table class="targets"><thead><tr><th>Target</th><th>Kind</th><th>Digest</th><th>Bytes</th><th>Signed by role</th></tr></thead><tbody>${body}</tbody></table>${more}</details>`;
  });
  const summary = `<p class="target-count"><span id="target-total">${num(rows.length)}</span> target${rows.length === 1 ? '' : 's'}: ${num(rows.length - artifacts)} file${rows.length - artifacts === 1 ? '' : 's'}, ${num(artifacts)} registry artifact${artifacts === 1 ? '' : 's'}, in ${num(byRole.size)} role${byRole.size === 1 ? '' : 's'}.</p>`;
  return `<section id="targets"><h2>Targets</h2>${summary}${groups.join('') || '<p>No targets yet.</p>'}</section>`;
}

/** Single-quoted for a POSIX shell. */
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** A plain name: safe and readable in a snippet. */
const plain = (s: string): boolean => /^[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*$/.test(s);

function snippets(
  pin: { file: string; sha256: string },
  url: string | undefined,
  files: TargetRow[],
): string {
  const base = url ? (url.endsWith('/') ? url : `${url}/`) : 'https://HOST/PATH/';
  const example = files.find((t) => t.href && plain(t.path))?.path ?? 'TARGET';
  const out = example.split('/').pop()!;
  const note = url
    ? ''
    : '<p class="note">Replace <code>https://HOST/PATH/</code> with the address this page is served from (<code>tufci publish --url</code> fills it in).</p>';
  const cli = [
    `URL=${sh(base)}`,
    `curl -fsSL "\${URL}${pin.file}" -o ${pin.file}`,
    `echo '${pin.sha256}  ${pin.file}' | sha256sum --check`,
    `tufci verify --from "$URL" --root ${pin.file} --target ${sh(example)} --out ${sh(out)}`,
  ].join('\n');
  const py = [
    '# python-tuf (pip install tuf): trust the pinned root, then download one target',
    'import hashlib, os, urllib.request',
    'from tuf.ngclient import Updater',
    '',
    `URL = ${JSON.stringify(base)}`,
    `PIN = ${JSON.stringify(pin.sha256)}  # sha256 of ${pin.file}`,
    `root = urllib.request.urlopen(URL + ${JSON.stringify(pin.file)}).read()`,
    'if hashlib.sha256(root).hexdigest() != PIN:',
    `    raise SystemExit(${JSON.stringify(`${pin.file} does not match the pinned sha256`)})`,
    'os.makedirs("tuf-metadata", exist_ok=True)',
    'os.makedirs("tuf-downloads", exist_ok=True)',
    'if not os.path.exists("tuf-metadata/root.json"):',
    '    with open("tuf-metadata/root.json", "wb") as f:',
    '        f.write(root)',
    'updater = Updater("tuf-metadata", URL, "tuf-downloads", URL + "targets/")',
    'updater.refresh()',
    `info = updater.get_targetinfo(${JSON.stringify(example)})`,
    'if info is None:',
    `    raise SystemExit(${JSON.stringify(`${example}: not a target of this repository`)})`,
    'print(updater.find_cached_target(info) or updater.download_target(info))',
  ].join('\n');
  return `<section id="verify"><h2>Verify</h2>${note}<h3>tufci</h3><pre class="snippet" id="snippet-tufci"><code>${escHtml(cli)}</code></pre><h3>python-tuf</h3><pre class="snippet" id="snippet-python"><code>${escHtml(py)}</code></pre></section>`;
}

const CSS = `
:root{color-scheme:light dark;--ok:#1a7f37;--due:#b26b00;--bad:#cf222e;--muted:#6e7781;--line:#d0d7de}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;line-height:1.4}
h1{margin-bottom:.2rem}h1+p{margin-top:0;color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.pin{border:2px solid var(--ok);border-radius:8px;padding:.6rem 1rem;margin:1rem 0}
.pin code.sha{font-size:1em;word-break:break-all;user-select:all}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{padding:.35rem .6rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
ul.signers{list-style:none;margin:0;padding:0}
.signer.signed .ok-mark{color:var(--ok)}
.keyid{color:var(--muted)}.uri{color:var(--muted);font-size:.85em;word-break:break-all}
.state.ok,.rel.ok,.tl-rel.ok{color:var(--ok);fill:var(--ok)}
.state.due,.rel.due,.tl-rel.due{color:var(--due);fill:var(--due)}
.state.expired,.state.below-threshold,.rel.expired,.rel.below-threshold,.tl-rel.expired,.tl-rel.below-threshold{color:var(--bad);fill:var(--bad)}
svg.timeline{max-width:100%;height:auto;font-size:12px}
svg .tick{stroke:var(--line);stroke-dasharray:2 3}svg .tick-label{fill:var(--muted);font-size:10px}
svg .tl-name{fill:currentColor}svg text{fill:currentColor}
svg .bar.ok{fill:var(--ok)}svg .bar.due{fill:var(--due)}svg .bar.expired,svg .bar.below-threshold{fill:var(--bad)}
svg .signing{fill:#fff;opacity:.35}
td.digest code{word-break:break-all;font-size:.8em}
td.size{text-align:right;white-space:nowrap}
td.expires time{white-space:nowrap}
.paths{color:var(--muted);font-size:.8em}
.legend{color:var(--muted);font-size:.85em;margin-top:0}
.media,.source{color:var(--muted);font-size:.85em;word-break:break-all}
details.role-targets{margin:.6rem 0}summary{cursor:pointer}
pre.snippet{background:rgba(127,127,127,.12);padding:.8rem;border-radius:6px;overflow-x:auto;user-select:all}
.note,.more{color:var(--muted)}
`;

/** The status page of the published tree, as of `now`. */
export function indexHtml(tree: PublishTree, now: Date, page: PageInfo = {}): string {
  const roles = roleRows(tree, now);
  const targets = targetRows(tree);
  const roots = tree.entries
    .filter((e) => e.kind === 'root')
    .sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
  const first = roots[0];
  const current = roots[roots.length - 1];
  const pin = { file: first?.path ?? 'root.json', sha256: first?.sha256 ?? '' };
  const name = page.name || 'TUF repository';
  const currentNote =
    current && first && current !== first
      ? `<p class="current-root">Current root: version ${current.version} (<a href="${hrefOf(current.path)}">${esc(current.path)}</a>, sha256 <code id="current-root-sha256">${current.sha256}</code>). Clients that pin ${esc(pin.file)} reach it by verifying each root version in turn.</p>`
      : `<p class="current-root">This is also the current root (version ${first?.version ?? 1}).</p>`;
  const published = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:">
<title>${esc(name)} · TUF repository</title>
<style>${CSS}</style></head>
<body>
<header><h1 id="repo-name">${esc(name)}</h1>
<p>A TUF repository, published <time datetime="${published}">${published}</time>. Relative dates on this page are as of publication.</p></header>
<section class="pin" id="pin"><h2>Root to pin</h2>
<p>Pin <a id="pin-file" href="${hrefOf(pin.file)}">${esc(pin.file)}</a>, the first root (version ${first?.version ?? 1}): sha256 <code class="sha" id="pin-sha256">${pin.sha256}</code></p>
${currentNote}
<p>Clients update from <a href="timestamp.json">timestamp.json</a>.</p></section>
<section id="roles"><h2>Roles</h2>
${timeline(roles, now)}
<p class="legend">Each bar runs from publication to the role's expiry (days on a log scale); its lighter end is the signing period, when a new version is due. Green: ok, amber: due, red: expired or below threshold.</p>
${roleTable(roles, now)}
</section>
${targetSection(targets, roles)}
${snippets(pin, page.url, targets)}
</body></html>
`;
}
