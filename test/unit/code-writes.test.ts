/**
 * Writes of Claude Code's settings from interpreter code are judged by what the code writes, not by
 * what it mentions (code-writes.ts, tamper.ts): code that only reads the settings file goes through;
 * a literal write to it, a write whose target is computed while the command names the settings, shell
 * text that writes it, and code that hides what it calls are asked about.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowEngine } from '../../src/engine/engine.ts';
import { defaultConfig } from '../../src/config/index.ts';
import { codeWrites } from '../../src/engine/code-writes.ts';

const HOME = '/home/u';
const CWD = '/home/u/proj';
let n = 0;
const engine = (): FlowEngine =>
  new FlowEngine(defaultConfig(), {
    seed: 1,
    home: HOME,
    guard: { stateDir: `${HOME}/.local/state/mcpproxy-hook`, configFile: `${HOME}/.config/mcpproxy-hook/config.json` },
    timeOfDay: () => '10:00:00',
  });
const bash = (e: FlowEngine, command: string) =>
  e.handle(
    { hook_event_name: 'PreToolUse', session_id: 's', tool_name: 'Bash', tool_input: { command }, cwd: CWD, tool_use_id: `t${++n}` },
    1_800_000_000_000 + n,
  );
const rule = (e: FlowEngine, c: string): string | undefined =>
  bash(e, c).findings.find((f) => f.rule === 'guard_settings' || f.rule === 'guard_tampering')?.rule;

const TEMPLATE =
  "with open('/home/u/fw/templates/settings.json.template') as f:\n    template = f.read()\nreplaced = template.replace('__REPO_DIR__', '/home/u/fw')\n";

test('code that only reads the settings file (and writes /tmp, prints, diffs) is not a settings write', () => {
  const e = engine();
  for (const c of [
    // the shapes of a real session comparing ~/.claude/settings.json with a template
    `diff <(python3 -c "\nimport json, re\n${TEMPLATE}print(json.dumps(json.loads(replaced), indent=2))\n") <(python3 -c "\nimport json\nwith open('/home/u/.claude/settings.json') as f:\n    print(json.dumps(json.load(f), indent=2))\n") && echo SAME || echo DIFF`,
    `python3 -c "\nimport json\n${TEMPLATE}with open('/tmp/audit_template.json', 'w') as f:\n    json.dump(json.loads(replaced), f, indent=2)\n\nwith open('/home/u/.claude/settings.json') as f:\n    with open('/tmp/audit_settings.json', 'w') as out:\n        json.dump(json.load(f), out, indent=2)\n" && diff /tmp/audit_template.json /tmp/audit_settings.json`,
    `python3 -c "\nimport json, os, subprocess\n${TEMPLATE}with open('/home/u/.claude/settings.json') as f:\n    s = json.load(f)\nwith open('/tmp/_a.json', 'w') as f:\n    json.dump(s, f)\nresult = subprocess.run(['diff', '/tmp/_a.json', '/tmp/_b.json'], capture_output=True, text=True)\nprint(result.stdout)\n"`,
    `cat > /tmp/audit_diff.py << 'PYEOF'\nimport json, subprocess\nwith open('/home/u/.claude/settings.json') as f:\n    s = json.load(f)\nwith open('/tmp/_b.json', 'w') as f:\n    json.dump(s, f)\nPYEOF\npython3 /tmp/audit_diff.py`,
    `python3 -c "\nscript = '''import json\nwith open('/home/u/.claude/settings.json') as f:\n    s = json.load(f)\nwith open('/tmp/_b.json', 'w') as f:\n    json.dump(s, f)\n'''\nwith open('/tmp/audit_diff.py', 'w') as f:\n    f.write(script)\nprint('Script written')\n"`,
    `python3 -c "\nimport json\nserialize = getattr(json, 'dum' + 'ps')\nwith open('/home/u/.claude/settings.json') as f:\n    s = json.load(f)\nprint(serialize(s, indent=2))\n"`,
    `node -e "const fs=require('fs'); const s=JSON.parse(fs.readFileSync(process.env.HOME+'/.claude/settings.json','utf8')); fs.writeFileSync('/tmp/hooks.json', JSON.stringify(s.hooks))"`,
    `perl -ne 'print if /PreToolUse/' ~/.claude/settings.json`,
    `ruby -rjson -e 'puts JSON.parse(File.read(File.expand_path("~/.claude/settings.json"))).keys'`,
  ]) {
    const d = bash(e, c);
    assert.equal(rule(e, c), undefined, `${c}\n-> ${d.action} ${d.summary}`);
  }
});

test('code that writes the settings file, or may, is still asked about', () => {
  const e = engine();
  for (const c of [
    // literal targets
    `python3 -c "open('/home/u/.claude/settings.json', 'w').write('{}')"`,
    `python3 -c "from pathlib import Path; Path('/home/u/.claude/settings.json').write_text('{}')"`,
    `python3 -c "import shutil as sh; sh.copy('/tmp/evil.json', '/home/u/.claude/settings.json')"`,
    `python3 -c "from os import remove as rm; rm('/home/u/.claude/settings.json')"`,
    `python3 -c "import shutil; shutil.rmtree('/home/u/.claude')"`,
    `python3 -c "import os; os.replace('/tmp/s.json', os.path.expanduser('~/.claude/settings.json'))"`,
    `node -e "require('fs').renameSync('/tmp/s.json', '/home/u/.claude/settings.json')"`,
    `perl -e 'open(F, ">$ENV{HOME}/.claude/settings.json"); print F "{}"'`,
    `perl -e 'open(my $f, ">", "/home/u/.claude/settings.json"); print $f "{}"'`,
    `ruby -e 'File.write(File.expand_path("~/.claude/settings.json"), "{}")'`,
    // a heredoc script written and run in the same command
    `cat > /tmp/x.py <<'EOF'\nopen('/home/u/.claude/settings.json', 'w').write('{}')\nEOF\npython3 /tmp/x.py`,
    // computed targets while the command names the settings
    `python3 -c "import json,os; p=os.path.expanduser('~/.claude/settings.json'); d=json.load(open(p)); d['hooks']={}; json.dump(d, open(p,'w'))"`,
    `python3 - <<'EOF'\nimport pathlib\np = pathlib.Path.home() / '.claude' / 'settings.json'\np.write_text('{}')\nEOF`,
    `echo ~/.claude/settings.json | python3 -c "import sys; open(sys.stdin.read().strip(), 'w').write('{}')"`,
    `node -e "require('fs').writeFileSync(require('os').homedir() + '/.claude/settings.json', '{}')"`,
    `cd ~/.claude && python3 -c "open('settings.json', 'w').write('{}')"`,
    // shell text run from code
    `python3 -c "import os; os.system('echo {} > ~/.claude/settings.json')"`,
    `python3 -c "import subprocess; subprocess.run(['sed', '-i', 's/PreToolUse/X/', '/home/u/.claude/settings.json'])"`,
    `node -e "require('child_process').execSync('rm ~/.claude/settings.json')"`,
    `ruby -e 'system("rm", "-f", "/home/u/.claude/settings.json")'`,
    // code that hides what it calls
    `python3 -c "import json; w = getattr(__import__('os'), 'sys' + 'tem'); w('true')  # ~/.claude/settings.json"`,
    `python3 -c "exec(__import__('base64').b64decode('b3BlbignL2hvbWUvdS8uY2xhdWRlL3NldHRpbmdzLmpzb24nLCd3Jyk='))"`,
    `python3 -c "import json; f = getattr(json, name); f({}, open('/home/u/.claude/settings.json'))"`,
    `node -e "const fs=require('fs'); fs['write'+'FileSync'](process.env.HOME+'/.claude/settings.json','{}')"`,
    `node -e "require('fs')['writeFileSync'](process.env.HOME+'/.claude/settings.json','{}')"`,
    `python3 -c "import os; os.__dict__['remove'](os.path.expanduser('~/.claude/settings.json'))"`,
    `python3 -c "import fileinput\nfor l in fileinput.input('/home/u/.claude/settings.json', inplace=True): print(l.replace('PreToolUse', 'X'), end='')"`,
    `ruby -e 'File.send(:write, File.expand_path("~/.claude/settings.json"), "{}")'`,
    // a script run by name with the settings path, next to an unrelated one-liner whose code is a suffix of that path
    `node -e "json" ; python3 rewrite.py --write ~/.claude/settings.json`,
  ]) {
    const d = bash(e, c);
    assert.equal(rule(e, c), 'guard_settings', `${c}\n-> ${d.action} ${d.summary}`);
    assert.equal(d.action, 'ask', c);
  }
});

test('code writes: literal, computed and hidden targets', () => {
  const py = codeWrites(
    'python',
    "import json\nwith open('/a', 'w') as f: json.dump({}, f)\nwith open('/b') as f: pass\nopen(p, 'a')\nopen('/c', mode='r+')\nopen('/d', encoding='utf-8')",
  );
  assert.deepEqual(
    py.writes.map((w) => w.path),
    ['/a', null, '/c'],
  );
  assert.deepEqual(
    codeWrites('python', "s = t.replace('a', 'b'); q = Path('/x').replace('/y')").writes.map((w) => w.path),
    ['/x', '/y'],
  );
  assert.deepEqual(codeWrites('python', "getattr(json, 'dum' + 'ps')(x)").opaque, []);
  assert.match(codeWrites('python', "getattr(os, 'rem' + 'ove')('/x')").opaque[0] ?? '', /remove/);
  assert.deepEqual(
    codeWrites('node', "console.log(/a\\/b'/.exec(s)); fs.appendFileSync('/log', s)").writes.map((w) => w.path),
    ['/log'],
  );
  assert.deepEqual(codeWrites('node', '/x/.exec(s)').shells, []);
  assert.deepEqual(codeWrites('python', "subprocess.run(['git', 'diff', '--stat'])").shells, ['git diff --stat']);
  assert.deepEqual(codeWrites('python', 'subprocess.run(cmd, shell=True)').shells, [null]);
  assert.ok(codeWrites('python', "open('/x").failed);
  // nesting that would make reading it quadratic is not read (a bound, then the mention rule)
  assert.match(codeWrites('python', `${'f('.repeat(20_000)}${')'.repeat(20_000)}`).failed ?? '', /too deeply nested/);
  assert.deepEqual(
    codeWrites('perl', 'open(my $fh, "<", $f); unlink "/tmp/a", $b;').writes.map((w) => w.path),
    ['/tmp/a', null],
  );
});
