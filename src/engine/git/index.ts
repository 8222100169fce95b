/**
 * Everything the engine knows about git, in one place: its command line (argv.ts), where pushes go
 * per repository and every way a session can change that (remotes.ts). The Bash handler
 * (bash/commands/git.ts) reads git's command line through argv.ts; the engine reads the facts it
 * produces through remotes.ts. What a push publishes is read by the daemon (daemon/git-objects.ts)
 * and judged by the engine from the facts it gives.
 */
export { COMMAND_KEYS, configScope, INSTEADOF_KEY, isUrlRemote, parseGlobals, PATH_KEYS, PROXY_KEYS, REMOTE_URL_KEY, type GitGlobals } from './argv.ts';
export {
  ANY_REMOTE,
  OWN_PREFIX,
  normDir,
  repoSlug,
  gitConfigChanges,
  gitConfigRepo,
  gitDirs,
  noteRemotes,
  pushTarget,
  remoteKey,
  repoPushes,
  repoRemotes,
  UNKNOWN_URL,
  type PushTarget,
  type RepoPush,
  type RepoRemote,
} from './remotes.ts';
