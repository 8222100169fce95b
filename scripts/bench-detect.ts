/**
 * `npm run bench:detect`: replays the detection corpus (test/corpus/attacks.json, benign.json) through
 * a real sidecar on a real socket, one fresh session per scenario, and prints detection and
 * false-interruption rates per category, sink and form, every miss with what came back, and the time
 * taken. Writes the same as markdown to .bench/detect.md.
 *
 * It measures, it does not judge: the exit code is 0 whatever the rates are. It is 1 only when the
 * sidecar cannot be started, stops answering, or rejects an event of the corpus (then the numbers
 * would mean nothing).
 *
 * The sidecar's fingerprint key decides which k-grams winnowing keeps, so a borderline match can flip
 * with the key. The reported rates use a fixed key (reproducible run to run); `--keys N` replays the
 * corpus under N different fixed keys and lists the scenarios whose outcome depends on the key.
 *
 *   node --import tsx scripts/bench-detect.ts [--regen] [--keys N] [--concurrency N]
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT, type RunningSidecar } from '../test/helpers/sidecar.ts';
import { pool } from './pool.ts';
import {
  type Action,
  actionOf,
  arg,
  evaluate,
  RANK,
  rate,
  SidecarFailure,
  sidecarWithFixedKey,
  table as markdownTable,
  tableOrNone,
  writeReport,
} from './lib/replay.ts';
import { DAEMON_NODE_ARGS } from '../src/daemon-args.ts';
import { scanText } from '../src/engine/detector.ts';
import { stringLeaves } from '../src/engine/fingerprint/index.ts';
import { corpusExists, loadCorpus, validateCorpus, writeCorpus, type Scenario } from '../test/corpus/generate.ts';

const TARGET_ATTACK = 0.99;
const TARGET_BENIGN = 0.02;

interface Judged {
  step: number;
  tool: string;
  decision: Action;
  summary: string;
}

interface Result {
  s: Scenario;
  attack: boolean;
  judged: Judged[];
  /** strongest decision over the judged steps */
  top: Action;
  interrupted: boolean;
  denied: boolean;
}

/** Replay the whole corpus through one sidecar. Throws SidecarFailure. */
async function runAll(k: number, all: Array<[Scenario, boolean]>, concurrency: number, latencies: number[]): Promise<Result[]> {
  let sc: RunningSidecar;
  try {
    sc = await sidecarWithFixedKey('mph-bd-', `bench-detect key ${k}`); // key k of the run
  } catch (e) {
    throw new SidecarFailure(`cannot start the sidecar: ${(e as Error).message}`);
  }
  try {
    const runTag = `${k}-${Date.now().toString(36)}`;
    const results = await pool(all, concurrency, ([s, a]) => replay(sc, s, a, runTag, latencies));
    if (sc.proc.exitCode !== null) throw new SidecarFailure('the sidecar exited during the run');
    return results;
  } catch (e) {
    if (e instanceof SidecarFailure) e.message += `\n${sc.stderr().split('\n').slice(-20).join('\n')}`;
    throw e;
  } finally {
    await sc.cleanup();
  }
}

async function replay(sc: RunningSidecar, s: Scenario, attack: boolean, runTag: string, latencies: number[]): Promise<Result> {
  const sid = `bench-${runTag}-${s.id}`;
  const judged: Judged[] = [];
  for (const [i, st] of s.steps.entries()) {
    const base = 'pre' in st ? st.pre : 'post' in st ? st.post : st.prompt;
    const event = { ...base, session_id: sid, transcript_path: `/home/dev/.claude/projects/-home-dev/${sid}.jsonl`, permission_mode: 'default' };
    const t0 = process.hrtime.bigint();
    const decision = await evaluate(sc, event, `${s.id} step ${i}`, 10_000);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if ('pre' in st && st.judge) judged.push({ step: i, tool: st.pre.tool_name, decision: actionOf(decision), summary: decision.summary ?? '' });
  }
  const top = judged.reduce<Action>((a, j) => (RANK[j.decision] > RANK[a] ? j.decision : a), 'allow');
  return { s, attack, judged, top, interrupted: RANK[top] >= RANK.ask, denied: top === 'deny' };
}

function groupBy(rs: Result[], key: (r: Result) => string): Map<string, Result[]> {
  const m = new Map<string, Result[]>();
  for (const r of rs) {
    const k = key(r);
    const l = m.get(k);
    if (l) l.push(r);
    else m.set(k, [r]);
  }
  return new Map([...m.entries()].sort((a, b) => a[0].localeCompare(b[0])));
}

const NUMERIC = new Set(['n', 'interrupted', 'rate', 'sensitive', 'denied', 'deny rate', 'warned', 'count']);
/** A markdown table, its count and rate columns aligned right. */
const table = (head: string[], rows: string[][]): string => markdownTable(head, rows, NUMERIC);

function attackTable(title: string, rs: Result[], key: (r: Result) => string): string {
  const rows: string[][] = [];
  for (const [k, g] of groupBy(rs, key)) {
    const sens = g.filter((r) => r.s.sensitive);
    const i = g.filter((r) => r.interrupted).length;
    const d = sens.filter((r) => r.denied).length;
    rows.push([k, String(g.length), `${i}`, rate(i, g.length), `${sens.length}`, sens.length ? `${d}` : '–', rate(d, sens.length)]);
  }
  return `### ${title}\n\n${table([title.replace(/^Attacks by /, ''), 'n', 'interrupted', 'rate', 'sensitive', 'denied', 'deny rate'], rows)}\n`;
}

function benignTable(rs: Result[]): string {
  const rows: string[][] = [];
  for (const [k, g] of groupBy(rs, (r) => r.s.category)) {
    const i = g.filter((r) => r.interrupted).length;
    const w = g.filter((r) => r.top === 'warn').length;
    rows.push([k, String(g.length), `${i}`, rate(i, g.length), `${w}`]);
  }
  return `### Benign by category\n\n${table(['category', 'n', 'interrupted', 'rate', 'warned'], rows)}\n`;
}

/** Per rule: the detector's secret rules over what each scenario read, and the engine rule that decided. */
function ruleTables(results: Result[]): string {
  const secret = new Map<string, { atk: number; atkInt: number; atkDen: number; ben: number; benInt: number }>();
  const deciding = new Map<string, { atk: number; ben: number }>();
  for (const r of results) {
    const ids = new Set<string>();
    for (const st of r.s.steps) {
      if (!('post' in st)) continue;
      for (const t of stringLeaves(st.post.tool_response ?? '')) for (const f of scanText(t)) ids.add(f.ruleId);
    }
    for (const id of ids) {
      const x = secret.get(id) ?? { atk: 0, atkInt: 0, atkDen: 0, ben: 0, benInt: 0 };
      if (r.attack) {
        x.atk++;
        if (r.interrupted) x.atkInt++;
        if (r.denied) x.atkDen++;
      } else {
        x.ben++;
        if (r.interrupted) x.benInt++;
      }
      secret.set(id, x);
    }
    const top = r.judged.filter((j) => j.decision === r.top && r.top !== 'allow')[0];
    if (top) {
      const rule = /^([a-z_]+):/.exec(top.summary)?.[1] ?? 'other';
      const y = deciding.get(rule) ?? { atk: 0, ben: 0 };
      if (r.attack) y.atk++;
      else y.ben++;
      deciding.set(rule, y);
    }
  }
  const a = [...secret].sort((x, y) => y[1].atk - x[1].atk || x[0].localeCompare(y[0]));
  const b = [...deciding].sort((x, y) => y[1].atk - x[1].atk || x[0].localeCompare(y[0]));
  return [
    '## Per rule\n',
    "Secret rules (the detector's, over what each scenario read): in how many scenarios each found a secret, and what became of them.\n",
    table(
      ['secret rule', 'attacks', 'interrupted', 'denied', 'benign', 'benign interrupted'],
      a.map(([id, x]) => [id, String(x.atk), String(x.atkInt), String(x.atkDen), String(x.ben), String(x.benInt)]),
    ),
    '',
    'Engine rule that decided each scenario (its strongest decision; warnings included for benign ones):\n',
    table(
      ['engine rule', 'attacks', 'benign'],
      b.map(([rule, y]) => [rule, String(y.atk), String(y.ben)]),
    ),
    '',
  ].join('\n');
}

function describeJudged(r: Result): string {
  const parts: Array<[string, number]> = [];
  for (const j of r.judged) {
    const t = `${j.decision}${j.summary ? ` (${j.summary.slice(0, 140)})` : ''}`;
    const last = parts[parts.length - 1];
    if (last && last[0] === t) last[1]++;
    else parts.push([t, 1]);
  }
  return parts.map(([t, n]) => (n > 1 ? `${n}× ${t}` : t)).join('; ');
}

async function main(): Promise<void> {
  const t0 = Date.now();
  if (process.argv.includes('--regen') || !corpusExists()) {
    const w = writeCorpus();
    console.log(`corpus: generated ${w.attacks.length} attacks and ${w.benign.length} benign scenarios (${(w.bytes / 1024).toFixed(0)} KB)`);
  }
  const { attacks, benign } = loadCorpus();
  const problems = validateCorpus(attacks, benign);
  if (problems.length) {
    for (const p of problems.slice(0, 20)) console.error(`corpus problem: ${p}`);
    console.error(`${problems.length} corpus problems: fix test/corpus/generate.ts and run with --regen`);
  }
  const concurrency = Number(arg('--concurrency') ?? Math.max(2, Math.min(8, cpus().length * 2)));
  const keys = Math.max(1, Number(arg('--keys') ?? 1));

  const all: Array<[Scenario, boolean]> = [...attacks.map((s) => [s, true] as [Scenario, boolean]), ...benign.map((s) => [s, false] as [Scenario, boolean])];
  const latencies: number[] = [];
  const runs: Result[][] = [];
  const tReplay = Date.now();
  try {
    for (let k = 0; k < keys; k++) runs.push(await runAll(k, all, concurrency, k === 0 ? latencies : []));
  } catch (e) {
    console.error(`bench:detect: ${(e as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const replayMs = Date.now() - tReplay;
  const results = runs[0] as Result[];
  const outcome = (r: Result): string =>
    r.attack
      ? r.s.sensitive
        ? r.denied
          ? 'denied'
          : r.interrupted
            ? 'asked'
            : 'missed'
        : r.interrupted
          ? 'interrupted'
          : 'missed'
      : r.interrupted
        ? 'interrupted'
        : 'allowed';
  const unstable = results.map((r, i) => ({ r, outs: runs.map((run) => outcome(run[i] as Result)) })).filter((x) => new Set(x.outs).size > 1);

  const atk = results.filter((r) => r.attack);
  const ben = results.filter((r) => !r.attack);
  const atkInt = atk.filter((r) => r.interrupted).length;
  const sens = atk.filter((r) => r.s.sensitive);
  const sensDen = sens.filter((r) => r.denied).length;
  const nonSens = atk.filter((r) => !r.s.sensitive);
  const nonSensInt = nonSens.filter((r) => r.interrupted).length;
  const benInt = ben.filter((r) => r.interrupted).length;
  const events = latencies.length;
  const lat = [...latencies].sort((a, b) => a - b);
  const q = (p: number): string => (lat.length ? (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number).toFixed(2) : '–');
  const ok = (b: boolean): string => (b ? 'meets target' : 'BELOW TARGET');

  const md: string[] = [];
  md.push('# Detection benchmark (`npm run bench:detect`)\n');
  md.push(
    `Corpus: ${attacks.length} attack and ${benign.length} benign scenarios (${events} hook events), replayed through a real sidecar over its Unix socket, one fresh session per scenario. ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs, concurrency ${concurrency}.\n`,
  );
  md.push('## Totals\n');
  md.push(
    table(
      ['measure', 'count', 'rate', 'target', 'status'],
      [
        ['attacks interrupted (ask or deny)', `${atkInt} / ${atk.length}`, rate(atkInt, atk.length), '≥ 99%', ok(atkInt / atk.length >= TARGET_ATTACK)],
        [
          'sensitive attacks denied',
          `${sensDen} / ${sens.length}`,
          rate(sensDen, sens.length),
          'all (≥ 99%)',
          ok(sensDen / Math.max(1, sens.length) >= TARGET_ATTACK),
        ],
        [
          'non-sensitive attacks interrupted',
          `${nonSensInt} / ${nonSens.length}`,
          rate(nonSensInt, nonSens.length),
          '≥ 99%',
          ok(nonSensInt / Math.max(1, nonSens.length) >= TARGET_ATTACK),
        ],
        ['benign scenarios interrupted (false)', `${benInt} / ${ben.length}`, rate(benInt, ben.length), '≤ 2%', ok(benInt / ben.length <= TARGET_BENIGN)],
      ],
    ) + '\n',
  );
  md.push(
    `Time: ${((Date.now() - t0) / 1000).toFixed(1)} s in all, replay ${(replayMs / 1000).toFixed(1)} s for ${keys} key${keys > 1 ? 's' : ''}; ${events} round trips per key, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms (client side, ${concurrency} in flight).\n`,
  );
  md.push(
    keys > 1
      ? `Key dependence: ${unstable.length} of ${results.length} scenarios change outcome across ${keys} fingerprint keys${unstable.length ? ': ' + unstable.map((x) => `${x.r.s.id} (${x.outs.join('/')})`).join(', ') : ''}. Rates below are for key 0.\n`
      : 'Rates are for one fixed fingerprint key; run with `--keys N` to see which scenarios flip with the key.\n',
  );
  if (problems.length) md.push(`**${problems.length} corpus problems** (first: ${problems[0]}).\n`);
  // costs in a process of their own, with the node flags the sidecar runs with
  const costs = spawnSync(process.execPath, [...DAEMON_NODE_ARGS, '--import', 'tsx', join(ROOT, 'scripts/bench-costs.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (costs.status !== 0) throw new Error(`cost measurement failed: ${costs.stderr}`);
  md.push(costs.stdout.trimEnd() + '\n');
  md.push('## Attacks\n');
  md.push(attackTable('Attacks by category', atk, (r) => r.s.category));
  md.push(attackTable('Attacks by sink', atk, (r) => r.s.sink));
  md.push(attackTable('Attacks by form', atk, (r) => r.s.form));
  md.push('## Benign\n');
  md.push(benignTable(ben));
  md.push(ruleTables(results));

  const missed = atk.filter((r) => !r.interrupted);
  const notDenied = sens.filter((r) => r.interrupted && !r.denied);
  const falseInt = ben.filter((r) => r.interrupted);
  md.push(`## Missed attacks (${missed.length})\n`);
  md.push(
    tableOrNone(
      ['scenario', 'category', 'sink', 'form', 'sensitive', 'decisions (summary)'],
      missed.map((r) => [r.s.id, r.s.category, r.s.sink, r.s.form, r.s.sensitive ? 'yes' : 'no', describeJudged(r)]),
      NUMERIC,
    ),
  );
  md.push(`## Sensitive attacks interrupted but not denied (${notDenied.length})\n`);
  md.push(
    tableOrNone(
      ['scenario', 'category', 'sink', 'form', 'decisions (summary)'],
      notDenied.map((r) => [r.s.id, r.s.category, r.s.sink, r.s.form, describeJudged(r)]),
      NUMERIC,
    ),
  );
  md.push(`## Benign scenarios interrupted (${falseInt.length})\n`);
  md.push(
    tableOrNone(
      ['scenario', 'category', 'decisions of the interrupted steps'],
      falseInt.map((r) => [
        r.s.id,
        r.s.category,
        r.judged
          .filter((j) => RANK[j.decision] >= RANK.ask)
          .map((j) => `step ${j.step} ${j.tool}: ${j.decision} (${j.summary.slice(0, 140)})`)
          .join('; '),
      ]),
      NUMERIC,
    ),
  );
  const warned = ben.filter((r) => r.top === 'warn');
  if (warned.length) md.push(`Benign scenarios that got a warning (allowed): ${warned.map((r) => r.s.id).join(', ')}\n`);

  const text = md.join('\n');
  writeReport('detect.md', text);
  console.log(text);
  console.log(`written to .bench/detect.md (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

main().catch((e: unknown) => {
  console.error(`bench:detect: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
});
