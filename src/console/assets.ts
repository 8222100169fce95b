/**
 * The console's page, script and style: plain HTML, CSS and DOM code, no framework and no build
 * step. A console that a security tool serves should have nothing in it to audit but its own few
 * hundred lines: no third-party code, no CDN, nothing fetched from outside (the CSP forbids it).
 * Data is always put into the page as text (textContent), never as HTML.
 */

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="__CSRF__">
<title>mcpproxy-hook console</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>mcpproxy-hook</h1><span id="live" class="pill">connecting…</span></header>
<main>
<section id="sessions-panel"><h2>Sessions</h2><div id="nudge" hidden></div><table id="sessions"><thead><tr><th>session</th><th>coverage</th><th>events</th><th>interrupted</th><th>last activity</th></tr></thead><tbody></tbody></table></section>
<section id="detail-panel" hidden><h2>Decision <code id="detail-id"></code></h2><dl id="detail"></dl>
<div id="allow-box" hidden><p>Allow this flow — exactly this data → this destination, by this tool:</p>
<button data-scope="once" id="allow-once">Allow once</button> <button data-scope="session">For this session</button> <button data-scope="project">For this project</button> <button data-scope="always">Always</button>
<p id="allow-result" role="status"></p></div></section>
<section id="flow-panel" hidden><h2>Flow of session <code id="flow-session"></code></h2><p class="hint">Sources (what was read, by which tool) on the left; where data went or tried to go on the right; each line is a call with its decision.</p><svg id="flow" role="img" aria-label="flow graph"></svg></section>
<section id="log-panel"><h2>Audit log</h2>
<form id="filters"><label>session <input name="session" size="14"></label> <label>decision <select name="decision"><option value="">any</option><option>deny</option><option>ask</option><option>warn</option><option>allow</option></select></label> <label>tool <input name="tool" size="12"></label> <label>risk ≥ <select name="risk"><option value="">any</option><option>low</option><option>medium</option><option>high</option><option>critical</option></select></label> <button type="submit">Filter</button></form>
<table id="log"><thead><tr><th>id</th><th>time</th><th>session</th><th>event</th><th>tool</th><th>decision</th><th>risk</th><th>destination</th><th>summary</th></tr></thead><tbody></tbody></table></section>
<section id="exceptions-panel"><h2>Exceptions</h2><table id="exceptions"><thead><tr><th>id</th><th>scope</th><th>tool</th><th>destination</th><th>data from</th><th>uses</th><th>state</th><th></th></tr></thead><tbody></tbody></table></section>
</main>
</body>
</html>
`;

const SCRIPT = `'use strict';
const csrf = document.querySelector('meta[name=csrf]').content;
const $ = (s) => document.querySelector(s);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; };
const time = (ms) => new Date(ms).toLocaleTimeString();
async function api(path, opts) {
  const r = await fetch(path, Object.assign({ credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf } }, opts || {}));
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
  return body;
}
let filters = {};
let selected = null;

async function loadSessions() {
  const { sessions } = await api('/api/sessions');
  const tb = $('#sessions tbody');
  tb.replaceChildren();
  let proxyOnly = 0;
  for (const s of sessions) {
    if (s.coverage === 'proxy-only') proxyOnly++;
    const tr = el('tr');
    const a = el('a', s.session_id); a.href = '#'; a.addEventListener('click', (e) => { e.preventDefault(); showFlow(s.session_id); });
    const td = el('td'); td.append(a); tr.append(td);
    tr.append(el('td', s.coverage, 'cov-' + s.coverage), el('td', s.events), el('td', s.interrupted), el('td', s.last_at ? time(s.last_at) : ''));
    tb.append(tr);
  }
  const n = $('#nudge');
  n.hidden = proxyOnly === 0;
  n.textContent = proxyOnly ? proxyOnly + ' session(s) are covered by the MCP proxy only: built-in tools (Read, Bash, WebFetch) are not watched there. Install the hooks with \\u201cmcpproxy-hook install\\u201d for full coverage.' : '';
}

function row(d) {
  const tr = el('tr', undefined, 'd-' + d.decision);
  tr.dataset.id = d.id;
  tr.append(el('td', d.id), el('td', time(d.ts)), el('td', d.session_id), el('td', d.event), el('td', d.tool), el('td', d.decision, 'dec'), el('td', d.risk), el('td', d.hosts || ''), el('td', d.summary || ''));
  tr.addEventListener('click', () => showDecision(d.id));
  return tr;
}
function matches(d) {
  const order = ['none', 'low', 'medium', 'high', 'critical'];
  if (filters.session && d.session_id !== filters.session) return false;
  if (filters.decision && d.decision !== filters.decision) return false;
  if (filters.tool && d.tool !== filters.tool) return false;
  if (filters.risk && order.indexOf(d.risk) < order.indexOf(filters.risk)) return false;
  return true;
}
async function loadLog() {
  const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const { decisions } = await api('/api/decisions?' + q.toString());
  $('#log tbody').replaceChildren(...decisions.map(row));
}

async function showDecision(id) {
  const { decision: d } = await api('/api/decisions/' + id);
  selected = d;
  $('#detail-panel').hidden = false;
  $('#detail-id').textContent = String(d.id);
  const dl = $('#detail');
  dl.replaceChildren();
  const add = (k, v) => { if (v === undefined || v === null || v === '') return; dl.append(el('dt', k), el('dd', typeof v === 'object' ? JSON.stringify(v) : v)); };
  add('time', new Date(d.ts).toLocaleString());
  add('session', d.session_id);
  add('tool', d.tool);
  add('decision', d.decision);
  add('risk', d.risk);
  add('destination', d.hosts);
  add('destination chosen by', d.provenance);
  add('data from', d.origin_tool);
  if (d.flow) { add('rule', (d.flow.rules || []).join(', ')); add('what matched', (d.flow.sensitive || []).concat(d.flow.origins || []).join('; ')); }
  add('reason', d.reason);
  add('latency', (d.latency_us / 1000).toFixed(2) + ' ms');
  add('via', d.source);
  if (d.exception) add('allowed by exception', d.exception);
  const box = $('#allow-box');
  box.hidden = !(d.decision === 'ask' || d.decision === 'deny') || !d.flow;
  $('#allow-result').textContent = '';
}

async function allow(scope) {
  if (!selected) return;
  try {
    const { exception } = await api('/api/exceptions', { method: 'POST', body: JSON.stringify({ decision: selected.id, scope }) });
    $('#allow-result').textContent = 'Allowed (' + scope + '): exception ' + exception.id + '. The agent can retry the call.';
    loadExceptions();
  } catch (e) { $('#allow-result').textContent = 'Not allowed: ' + e.message; }
}

async function loadExceptions() {
  const { exceptions } = await api('/api/exceptions');
  const tb = $('#exceptions tbody');
  tb.replaceChildren();
  for (const x of exceptions) {
    const tr = el('tr');
    const state = x.revokedAt ? 'revoked' : (x.scope === 'once' && x.uses > 0 ? 'used' : 'live');
    tr.append(el('td', x.id), el('td', x.scope), el('td', x.key.tool), el('td', x.key.hosts.join(', ')), el('td', x.key.sensitive.concat(x.key.origins).join('; ')), el('td', x.uses), el('td', state));
    const td = el('td');
    if (state === 'live') {
      const b = el('button', 'Revoke');
      b.addEventListener('click', async () => { await api('/api/exceptions/' + x.id, { method: 'DELETE' }); loadExceptions(); });
      td.append(b);
    }
    tr.append(td);
    tb.append(tr);
  }
}

async function showFlow(sessionId) {
  const g = await api('/api/sessions/' + encodeURIComponent(sessionId) + '/flow');
  $('#flow-panel').hidden = false;
  $('#flow-session').textContent = sessionId;
  const svg = $('#flow');
  const NS = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  const sources = g.nodes.filter((n) => n.kind === 'source');
  const sinks = g.nodes.filter((n) => n.kind === 'sink');
  const rowH = 34, w = 760, h = Math.max(sources.length, sinks.length, 1) * rowH + 20;
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  svg.setAttribute('height', String(h));
  const pos = new Map();
  sources.forEach((n, i) => pos.set(n.id, { x: 250, y: 20 + i * rowH }));
  sinks.forEach((n, i) => pos.set(n.id, { x: 510, y: 20 + i * rowH }));
  for (const e of g.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    const line = document.createElementNS(NS, 'line');
    line.setAttribute('x1', a.x); line.setAttribute('y1', a.y); line.setAttribute('x2', b.x); line.setAttribute('y2', b.y);
    line.setAttribute('class', 'edge d-' + e.decision);
    const t = document.createElementNS(NS, 'title'); t.textContent = e.tool + ': ' + e.decision + ' (decision ' + e.id + ')'; line.append(t);
    line.addEventListener('click', () => showDecision(e.id));
    svg.append(line);
  }
  for (const n of g.nodes) {
    const p = pos.get(n.id);
    const c = document.createElementNS(NS, 'circle'); c.setAttribute('cx', p.x); c.setAttribute('cy', p.y); c.setAttribute('r', 5); c.setAttribute('class', n.kind);
    const t = document.createElementNS(NS, 'text'); t.textContent = n.label.length > 38 ? n.label.slice(0, 37) + '…' : n.label;
    t.setAttribute('x', n.kind === 'source' ? p.x - 10 : p.x + 10); t.setAttribute('y', p.y + 4); t.setAttribute('text-anchor', n.kind === 'source' ? 'end' : 'start');
    svg.append(c, t);
  }
}

function live() {
  const es = new EventSource('/api/stream');
  es.addEventListener('open', () => { $('#live').textContent = 'live'; $('#live').className = 'pill on'; });
  es.addEventListener('error', () => { $('#live').textContent = 'reconnecting…'; $('#live').className = 'pill'; });
  es.addEventListener('decision', (ev) => {
    const d = JSON.parse(ev.data);
    if (matches(d)) $('#log tbody').prepend(row(d));
    loadSessions();
  });
}

$('#filters').addEventListener('submit', (e) => { e.preventDefault(); filters = Object.fromEntries(new FormData(e.target)); loadLog(); });
for (const b of document.querySelectorAll('#allow-box button')) b.addEventListener('click', () => allow(b.dataset.scope));
Promise.all([loadSessions(), loadLog(), loadExceptions()]).then(live, (e) => { $('#live').textContent = 'error: ' + e.message; });
`;

const STYLE = `:root { font-family: system-ui, sans-serif; color: #1d2433; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1em; padding: .6em 1.2em; background: #1d2433; color: #fff; }
h1 { font-size: 1.1em; margin: 0; }
h2 { font-size: 1em; margin: .2em 0 .6em; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; padding: 1em; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: .8em; overflow: auto; }
#log-panel, #flow-panel, #exceptions-panel { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-size: .85em; }
th, td { text-align: left; padding: .25em .5em; border-bottom: 1px solid #eef0f3; vertical-align: top; }
#log tbody tr { cursor: pointer; }
#log tbody tr:hover { background: #f0f4ff; }
.d-deny .dec { color: #b42318; font-weight: 600; }
.d-ask .dec { color: #b54708; font-weight: 600; }
.d-warn .dec { color: #8a6d00; }
.pill { font-size: .8em; padding: .1em .6em; border-radius: 1em; background: #555; }
.pill.on { background: #067647; }
#nudge { background: #fffaeb; border: 1px solid #fec84b; padding: .5em; margin-bottom: .5em; border-radius: 4px; }
.cov-proxy-only { color: #b54708; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; font-size: .9em; }
dt { color: #5d6b82; }
dd { margin: 0; word-break: break-word; }
svg { width: 100%; }
svg text { font-size: 12px; fill: #1d2433; }
svg circle.source { fill: #2e90fa; }
svg circle.sink { fill: #f04438; }
svg line.edge { stroke: #98a2b3; stroke-width: 2; cursor: pointer; }
svg line.d-deny { stroke: #b42318; }
svg line.d-ask { stroke: #f79009; }
svg line.d-allow { stroke: #12b76a; }
button { font: inherit; padding: .25em .7em; }
.hint { color: #5d6b82; font-size: .85em; margin-top: 0; }
`;

export const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: SCRIPT },
  '/app.css': { type: 'text/css; charset=utf-8', body: STYLE },
};
