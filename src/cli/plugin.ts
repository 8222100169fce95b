/**
 * The Claude Code plugin (`.claude-plugin/` + `hooks/hooks.json` at the package root): finding it in
 * the user's settings and removing it through the `claude` CLI for `uninstall --all`.
 */
import { spawnSync } from 'node:child_process';
import { readSettings, settingsPath } from './settings.ts';

export const PLUGIN_NAME = 'mcpproxy-hook';

/** `mcpproxy-hook@<marketplace>` ids enabled in user settings (Claude Code's `enabledPlugins`). */
export function enabledPluginIds(env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    const { data } = readSettings(settingsPath('user', process.cwd(), env));
    const ep = data.enabledPlugins;
    if (typeof ep !== 'object' || ep === null) return [];
    return Object.keys(ep).filter((k) => k.split('@')[0] === PLUGIN_NAME);
  } catch {
    return [];
  }
}

/** Uninstall the plugin (and remove its marketplace when it is ours) with the claude CLI; lines to print. */
export async function removePlugin(env: NodeJS.ProcessEnv = process.env, claude = env.MCPPROXY_HOOK_CLAUDE_BIN || 'claude'): Promise<string[]> {
  const ids = enabledPluginIds(env);
  if (ids.length === 0) return [];
  const lines: string[] = [];
  for (const id of ids) {
    const r = spawnSync(claude, ['plugin', 'uninstall', id], { env, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status === 0) lines.push(`Uninstalled the Claude Code plugin ${id}.`);
    else
      lines.push(
        `Could not uninstall the plugin ${id} (${r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n')[0]}); run: claude plugin uninstall ${id}`,
      );
    const market = id.slice(id.indexOf('@') + 1);
    if (r.status === 0 && market === PLUGIN_NAME) {
      const m = spawnSync(claude, ['plugin', 'marketplace', 'remove', market], { env, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      lines.push(
        m.status === 0
          ? `Removed the marketplace ${market}.`
          : `The marketplace ${market} is still configured; remove it with: claude plugin marketplace remove ${market}`,
      );
    }
  }
  return lines;
}
