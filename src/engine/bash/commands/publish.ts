/** Publishing: npm/pnpm/yarn publish, docker push, cargo/twine/gem/poetry/vsce/helm uploads, gh writes. */
import type { Word } from '../ast.ts';
import { hasOpt, optVals, parseOpts } from '../options.ts';
import { hostFromUrlish } from '../hosts.ts';
import { type Call, type CmdResult, type Ctx, EG, NONE } from '../context.ts';

export function publish(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const p = parseOpts(
    args.slice(1),
    'wC',
    ['registry', 'tag', 'access', 'otp', 'workspace', 'prefix', 'userconfig', 'cache', 'loglevel', 'scope', 'filter', 'dir', 'cwd'],
    false,
  );
  const a0 = p.pos[0]?.text;
  const yarnNpm = name === 'yarn' && a0 === 'npm' && p.pos[1]?.text === 'publish';
  if (a0 !== 'publish' && !yarnNpm) return NONE;
  for (const v of optVals(p.opts, '--registry')) ctx.hostOf(v);
  ctx.egress(yarnNpm ? 'yarn npm publish' : `${name} publish`);
  return EG;
}

export function docker(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const p = parseOpts(args.slice(1), 'H', ['host', 'context', 'config', 'log-level', 'tlscacert', 'tlscert', 'tlskey'], true);
  const pos = p.pos;
  let image: Word | undefined;
  const s0 = pos[0]?.text;
  const s1 = pos[1]?.text;
  if (s0 === 'push') image = parseOpts(pos.slice(1), '', [], false).pos[0];
  else if (s0 === 'image' && s1 === 'push') image = parseOpts(pos.slice(2), '', [], false).pos[0];
  else if (s0 === 'build' || (s0 === 'buildx' && s1 === 'build') || (s0 === 'image' && s1 === 'build')) {
    const q = parseOpts(
      pos.slice(1),
      'tfo',
      [
        'tag',
        'file',
        'output',
        'platform',
        'build-arg',
        'target',
        'label',
        'secret',
        'cache-from',
        'cache-to',
        'progress',
        'builder',
        'network',
        'ssh',
        'iidfile',
        'metadata-file',
      ],
      false,
    );
    const pushes = hasOpt(q.opts, '--push') || optVals(q.opts, '-o', '--output').some((v) => /type=registry|push=true/.test(v.text));
    if (!pushes) return NONE;
    image = optVals(q.opts, '-t', '--tag')[0];
  } else return NONE;
  if (image) {
    const first = image.shape.split('/')[0] ?? '';
    if (image.shape.includes('/') && (/[.:]/.test(first) || first === 'localhost')) ctx.hostName(hostFromUrlish(first));
  }
  ctx.egress(`${name} push`);
  return EG;
}

export function pkgUpload(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const p = parseOpts(
    args.slice(1),
    'rupciks',
    [
      'repository',
      'repository-url',
      'username',
      'password',
      'config-file',
      'sign-with',
      'identity',
      'cert',
      'client-cert',
      'registry',
      'token',
      'index',
      'key',
      'host',
      'otp',
      'pat',
      'packagePath',
    ],
    false,
  );
  const sub = p.pos[0]?.text;
  const table: Record<string, string> = { cargo: 'publish', twine: 'upload', gem: 'push', poetry: 'publish', vsce: 'publish', helm: 'push' };
  if (sub !== table[name]) return NONE;
  for (const v of optVals(p.opts, '--repository-url', '--host', '--index')) ctx.hostOf(v);
  if (name === 'twine' || name === 'gem' || name === 'helm') ctx.upload(p.pos.slice(1, name === 'helm' ? 2 : undefined).map((w) => w.text));
  ctx.egress(`${name} ${sub}`);
  return EG;
}

export function gh(ctx: Ctx, args: Word[]): CmdResult {
  const area = args[1]?.text ?? '';
  const action = args[2]?.text ?? '';
  const rest = args.slice(area === 'api' ? 2 : 3);
  const p = parseOpts(
    rest,
    'RFfHXbtdnlamqpwe',
    [
      'repo',
      'field',
      'raw-field',
      'header',
      'method',
      'input',
      'body',
      'body-file',
      'title',
      'desc',
      'filename',
      'notes',
      'notes-file',
      'label',
      'assignee',
      'milestone',
      'project',
      'jq',
      'template',
      'target',
      'discussion-category',
      'env-file',
      'env',
      'org',
      'base',
      'head',
      'reviewer',
    ],
    false,
  );
  let stdinUse = false;
  const file = (f: string): void => {
    if (f === '-') stdinUse = true;
    else ctx.upload(f);
  };
  let label: string | null = null;
  if (area === 'api') {
    label = 'gh api';
    for (const v of optVals(p.opts, '-F', '--field')) {
      const m = /^[^=]*=@(.+)$/.exec(v.text);
      if (m) file(m[1]!);
    }
    for (const v of optVals(p.opts, '--input')) file(v.text);
  } else if (area === 'gist' && (action === 'create' || action === 'edit' || action === 'new')) {
    label = `gh gist ${action}`;
    for (const w of p.pos) file(w.text);
    if (!p.pos.length && action !== 'edit') stdinUse = true;
  } else if (area === 'release' && (action === 'upload' || action === 'create')) {
    label = `gh release ${action}`;
    for (const w of p.pos.slice(1)) file(w.text.replace(/#.*$/, ''));
    for (const v of optVals(p.opts, '-F', '--notes-file')) file(v.text);
  } else if ((area === 'issue' || area === 'pr') && ['create', 'comment', 'edit', 'review'].includes(action)) {
    label = `gh ${area} ${action}`;
    for (const v of optVals(p.opts, '-F', '--body-file')) file(v.text);
  } else if (area === 'repo' && action === 'create') {
    // a new repository, made a remote of the local one (--source), and pushed to (--push)
    label = 'gh repo create';
    const texts = rest.map((w) => w.text);
    const val = (name: string): string | undefined => {
      const i = texts.findIndex((t) => t === name || t.startsWith(name + '='));
      if (i < 0) return undefined;
      const t = texts[i] as string;
      return t.includes('=') ? t.slice(t.indexOf('=') + 1) : texts[i + 1];
    };
    const name = texts.find(
      (t, i) =>
        !t.startsWith('-') &&
        (i === 0 || !/^--(source|remote|description|homepage|team|template|gitignore|license|clone)$|^-[dhgltrsc]$/.test(texts[i - 1] as string)),
    );
    const url = `https://github.com/${name ?? '(new repository)'}`;
    if (val('--source') !== undefined) {
      const remote = val('--remote') ?? 'origin';
      ctx.acc.remotes.push({ name: remote, url, how: 'gh repo create', persistent: true });
      if (texts.includes('--push')) ctx.acc.pushes.push({ remote, url, refspecs: [], command: 'gh repo create --push' });
    } else if (name) ctx.acc.remotes.push({ name: null, url, how: 'gh repo create', persistent: true, global: true });
  } else if ((area === 'secret' || area === 'variable') && action === 'set') {
    label = `gh ${area} set`;
    for (const v of optVals(p.opts, '-f', '--env-file')) file(v.text);
    if (!hasOpt(p.opts, '-b', '--body', '-f', '--env-file')) stdinUse = true;
  }
  if (!label) return NONE;
  ctx.hostName('github.com');
  ctx.egress(label);
  return { egress: true, stdin: stdinUse };
}
