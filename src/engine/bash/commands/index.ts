/**
 * The table of per-program handlers: program name → what its arguments mean (what it reads,
 * writes, sends, to which hosts). Shells and interpreters are matched by family; programs with no
 * entry are looked up among the plain file readers; anything else does nothing we track.
 */
import type { Word } from '../ast.ts';
import { type Call, type CmdResult, type Ctx, dumpEnvironment, type Handler, NONE, nameOf, type Stdin } from '../context.ts';
import { sevenZip, tar, unzip, zip } from './archives.ts';
import { awk } from './awk.ts';
import { declare, mapfile, read, source } from './builtins.ts';
import { aws, cloud } from './cloud.ts';
import { dns, ping } from './dns.ts';
import { copyLocal, dd, inOut, jq, reader, sed, tee, yq } from './files.ts';
import { git } from './git.ts';
import { curl, httpie, wget } from './http.ts';
import { interp, interpFamily } from './interpreters.ts';
import { mail } from './mail.ts';
import { nc, socat } from './netcat.ts';
import { openssl } from './openssl.ts';
import { docker, gh, pkgUpload, publish } from './publish.ts';
import { READERS } from './readers.ts';
import { ftpLike, rsync, scp, sftp, ssh, sshCopyId } from './remote.ts';
import { SHELLS, shell } from './shell.ts';

export { runCommand } from './wrappers.ts';

const TABLE = new Map<string, Handler>();

function register(names: readonly string[], h: Handler): void {
  for (const n of names) TABLE.set(n, h);
}

register(['curl'], curl);
register(['wget', 'wget2'], wget);
register(['http', 'https', 'xh', 'xhs', 'httpie'], httpie);
register(['nc', 'ncat', 'netcat', 'nc.openbsd', 'nc.traditional', 'pwncat'], nc);
register(['socat'], socat);
register(['ssh', 'autossh', 'mosh'], ssh);
register(['ssh-copy-id'], sshCopyId);
register(['scp'], scp);
register(['rsync'], rsync);
register(['sftp'], sftp);
register(['ftp', 'pftp', 'tftp', 'lftp', 'telnet', 'ncftp', 'ncftpput'], ftpLike);
register(['mail', 'mailx', 'Mail', 's-nail', 'bsd-mailx', 'sendmail', 'msmtp', 'ssmtp', 'mutt', 'neomutt', 'swaks', 'sendemail'], mail);
register(['dig', 'drill', 'kdig', 'delv', 'nslookup', 'host'], dns);
register(['ping', 'ping6', 'traceroute', 'traceroute6', 'tracepath', 'mtr'], ping);
register(['git'], git);
register(['aws'], aws);
register(['gsutil', 'gcloud', 'az', 'azcopy', 's3cmd', 'rclone'], cloud);
register(['npm', 'pnpm', 'yarn'], publish);
register(['docker', 'podman', 'nerdctl'], docker);
register(['cargo', 'twine', 'gem', 'poetry', 'vsce', 'helm'], pkgUpload);
register(['gh'], gh);
register(['openssl'], openssl);
register(['awk', 'gawk', 'mawk', 'nawk', 'busybox-awk'], awk);
register(['export', 'declare', 'typeset', 'local', 'readonly'], declare);
register(['read'], read);
register(['mapfile', 'readarray'], mapfile);
register(['source', '.'], source);
register(['tar', 'bsdtar', 'gtar'], tar);
register(['zip'], zip);
register(['7z', '7za', '7zz', '7zr'], sevenZip);
register(['unzip'], unzip);
register(['cp', 'mv', 'install', 'ln'], copyLocal);
register(['dd'], dd);
register(['tee'], tee);
register(['xxd', 'uniq'], inOut);
register(['sed'], sed);
register(['jq', 'gojq', 'jaq'], jq);
register(['yq'], yq);

/** The handler of a program name, if any (shell and interpreter families included). */
export function handlerFor(name: string): Handler | undefined {
  if (SHELLS.has(name)) return shell;
  if (interpFamily(name)) return interp;
  return TABLE.get(name);
}

/** printenv, set (no arguments), export -p, declare -p/-x: the whole environment on stdout. (`env` alone is a wrapper with no command: see wrappers.ts.) */
function printsEnvironment(name: string, args: string[]): boolean {
  if (name === 'printenv') return true;
  if (name === 'set') return args.length === 0;
  if (name === 'export' || name === 'declare' || name === 'typeset') return args.every((a) => /^-[pxr]+$/.test(a));
  return false;
}

/** Run the handler of a command whose wrappers are already stripped. */
export function dispatch(ctx: Ctx, args: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult {
  const name = nameOf(ctx.acc, args[0]!);
  const call: Call = { name, depth, stdin, wordReads };
  const argv = args.map((w) => w.text);
  ctx.acc.commands.push({ name, argv });
  if (printsEnvironment(name, argv.slice(1))) dumpEnvironment(ctx);
  const h = handlerFor(name);
  if (h) {
    const acc = ctx.acc;
    const egress = acc.egressCount;
    const declared = acc.payloadDeclared;
    acc.payloadDeclared = false;
    const res = h(ctx, args, call);
    // a sender that did not say what it sends: every argument may be data
    if (acc.egressCount > egress && !acc.payloadDeclared) ctx.send(args.slice(1));
    acc.payloadDeclared = declared;
    return res;
  }
  const spec = READERS[name];
  if (spec) reader(ctx, spec, args);
  return NONE;
}
