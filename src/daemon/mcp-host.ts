/**
 * The MCP proxy inside the sidecar, loaded only when upstream servers are configured: the MCP SDK
 * (and what it pulls in) is imported on first start, so a sidecar without MCP servers, and every
 * CLI command, never load it.
 */
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import type { FlowGuard } from '../mcp-proxy/proxy-server.ts';
import type { UpstreamManager } from '../mcp-proxy/upstreams.ts';
import type { McpSocketServer } from '../mcp-proxy/bridge.ts';
import type { HttpEndpoint } from '../mcp-proxy/http-endpoint.ts';
import type { Correlator } from './correlator.ts';
import type { Logger } from './logger.ts';
import type { ToolAnnotations } from '../engine/classifier.ts';

/** Clients are served once every upstream has started or failed its first attempt, waiting at most this. */
const UPSTREAM_START_WAIT_MS = 10_000;

export interface McpHostOptions {
  stateDir: string;
  /** the HTTP endpoint's bearer token (read or created when the endpoint starts) */
  token: () => string;
  correlator: Correlator;
  guard: FlowGuard;
  log: Logger;
}

export class McpHost {
  private upstreams?: UpstreamManager;
  private socket?: McpSocketServer;
  private http?: HttpEndpoint;
  private error: string | null = null;
  /** upstream tools' annotations (readOnlyHint …) by `mcp__server__tool`, for the classifier */
  private hints = new Map<string, ToolAnnotations>();

  constructor(private readonly opts: McpHostOptions) {}

  get socketPath(): string {
    return join(this.opts.stateDir, 'mcp.sock');
  }

  /** Start the proxy when upstream servers are configured: stdio-bridge socket, optional HTTP endpoint. */
  async start(cfg: Config['mcp']): Promise<void> {
    if (Object.keys(cfg.servers).length === 0) return;
    const log = this.opts.log;
    try {
      const [{ UpstreamManager }, { McpSocketServer }, { HttpEndpoint }] = await Promise.all([
        import('../mcp-proxy/upstreams.ts'),
        import('../mcp-proxy/bridge.ts'),
        import('../mcp-proxy/http-endpoint.ts'),
      ]);
      const line = (l: string): void => log.info(l);
      this.upstreams = new UpstreamManager(cfg.servers, {
        log: line,
        clientName: 'mcpproxy-hook',
        onStateChange: (st) => line(`upstream ${st.name}: ${st.state}${st.error ? ` (${st.error})` : ''}`),
      });
      // a client that lists tools at once (a bridge reconnecting after a restart) gets them all,
      // not the few that happened to be up
      const upstreams = this.upstreams;
      upstreams.subscribe(() => {
        const m = new Map<string, ToolAnnotations>();
        for (const t of upstreams.tools()) if (t.annotations) m.set(`mcp__${t.server}__${t.tool}`, t.annotations as ToolAnnotations);
        this.hints = m;
      });
      const started = this.upstreams.start();
      await Promise.race([started, new Promise((r) => setTimeout(r, UPSTREAM_START_WAIT_MS).unref())]);
      const { correlator, guard } = this.opts;
      this.socket = new McpSocketServer({
        path: this.socketPath,
        upstreams: this.upstreams,
        guard,
        log: line,
        onDisconnect: (c) => correlator.forget(c.mcpSessionId),
      });
      await this.socket.listen();
      if (cfg.port > 0) {
        this.http = new HttpEndpoint({
          port: cfg.port,
          token: this.opts.token(),
          upstreams: this.upstreams,
          guard,
          log: line,
          onSessionEnd: (s) => correlator.forget(s.mcpSessionId),
        });
        await this.http.listen();
      }
      line(`proxy ready: ${Object.keys(cfg.servers).length} upstream(s); stdio bridge socket ${this.socketPath}${this.http ? `; HTTP ${this.http.url}` : ''}`);
    } catch (e) {
      this.error = (e as Error).message;
      log.info(`proxy not started: ${this.error}`);
    }
  }

  /**
   * Apply the mcp section of a reloaded config: servers added, removed or changed are started,
   * stopped or restarted (the others keep running, and so do connected clients, who are told the tool
   * list changed). The first servers start the proxy; a change of mcp.port takes a restart. Returns
   * what changed, for the log and the reload reply.
   */
  async apply(cfg: Config['mcp']): Promise<string | null> {
    if (!this.upstreams) {
      if (Object.keys(cfg.servers).length === 0) return null;
      this.error = null;
      await this.start(cfg);
      return this.error ? `MCP proxy not started: ${this.error}` : `MCP proxy started with ${Object.keys(cfg.servers).length} upstream(s)`;
    }
    try {
      const d = await this.upstreams.update(cfg.servers);
      const parts = [
        d.added.length ? `started ${d.added.join(', ')}` : '',
        d.changed.length ? `restarted ${d.changed.join(', ')}` : '',
        d.removed.length ? `stopped ${d.removed.join(', ')}` : '',
      ].filter(Boolean);
      const port = (this.http ? Number(new URL(this.http.url).port) : 0) !== cfg.port ? `; mcp.port ${cfg.port} takes effect when the sidecar restarts` : '';
      return parts.length || port ? `MCP upstreams: ${parts.join('; ') || 'unchanged'}${port}` : null;
    } catch (e) {
      return `MCP servers not changed: ${(e as Error).message}`;
    }
  }

  /** The annotations an upstream gave one of its tools in tools/list (`mcp__server__tool`), if any. */
  annotations(tool: string): ToolAnnotations | undefined {
    return this.hints.get(tool);
  }

  status(): Record<string, unknown> | null {
    if (!this.upstreams && !this.error) return null;
    return {
      error: this.error,
      upstreams: this.upstreams?.status() ?? [],
      stdio_socket: this.socket ? this.socketPath : null,
      bridges: this.socket?.connections().length ?? 0,
      http: this.http ? { url: this.http.url, sessions: this.http.sessionList().length } : null,
      correlation: { ...this.opts.correlator.stats },
    };
  }

  async stop(): Promise<void> {
    await this.http?.close();
    await this.socket?.close();
    await this.upstreams?.stop();
  }
}
