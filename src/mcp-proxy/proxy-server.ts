/**
 * The MCP server a client talks to: one low-level SDK `Server` per client connection (a stdio-bridge
 * connection or an HTTP session). It lists the upstreams' tools under namespaced names and puts every
 * tools/call through the FlowGuard before and after forwarding it:
 *
 *   check → deny: an isError result explaining the block, the upstream is never called
 *         → ask:  an elicitation (yes/no form) when the client supports it; otherwise treated as warn
 *         → warn/allow: forwarded
 *   forward → record(call, result) → the upstream's result, with secrets held back when redaction is on
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { isProxyGeneratedResult, type UpstreamManager } from './upstreams.ts';

export type ProxyTransportKind = 'stdio-bridge' | 'http';

export interface ProxyCall {
  connectionId: string;
  mcpSessionId: string;
  server: string;
  tool: string;
  args: Record<string, unknown>;
  clientPids?: number[];
  transport: ProxyTransportKind;
}

export interface GuardVerdict {
  action: 'allow' | 'warn' | 'ask' | 'deny';
  reason: string;
  /** the audit row of the decision, when it has one (for outcome()) */
  id?: number;
}

/** What finally happened to a call whose verdict was ask (or warn): the audit must say so. */
export type CallOutcome = 'allow' | 'warn' | 'deny';

export interface FlowGuard {
  check(call: ProxyCall): Promise<GuardVerdict> | GuardVerdict;
  /** records what the upstream returned; returns what the client gets instead (secrets held back), if anything */
  record(call: ProxyCall, result: unknown): unknown;
  /** an ask was answered by the user, or could not be asked and went on as a warning */
  outcome?(verdict: GuardVerdict, outcome: CallOutcome, why: string): void;
}

/** The warning a proxy-only client sees in the tool result (there is no other channel to its user). */
export const WARN_PREFIX = 'Warning from mcpproxy-hook: ';

export interface ProxyServerContext {
  connectionId: string;
  transport: ProxyTransportKind;
  clientPids?: number[];
  getSessionId: () => string;
  /** called once when this server's connection closes (do not overwrite `server.onclose`; use this) */
  onClose?: () => void;
  log?: (line: string) => void;
  /** per-call upstream timeout (default: the UpstreamManager's) */
  callTimeoutMs?: number;
  /** how long the user has to answer an `ask` elicitation; default 10 min */
  elicitTimeoutMs?: number;
}

export const SERVER_NAME = 'mcpproxy-hook';
export const SERVER_VERSION = '0.1.0';
export const BLOCK_PREFIX = 'Blocked by mcpproxy-hook: ';

const live = new Set<Server>();

/** Proxy servers currently connected (all transports). */
export function liveProxyServers(): number {
  return live.size;
}

function blocked(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: BLOCK_PREFIX + text }] };
}

export function createProxyServer(upstreams: UpstreamManager, guard: FlowGuard, ctx: ProxyServerContext): Server {
  const log = ctx.log ?? (() => undefined);
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: { listChanged: true } },
      // many upstream changes in one tick become one notification
      debouncedNotificationMethods: ['notifications/tools/list_changed'],
    },
  );
  let initialized = false;
  server.oninitialized = () => {
    initialized = true;
  };

  const unsubscribe = upstreams.subscribe(() => {
    if (!initialized || !live.has(server)) return;
    server.sendToolListChanged().catch((e: unknown) => log(`${ctx.connectionId}: cannot send tools/list_changed: ${(e as Error).message}`));
  });
  live.add(server);
  let closed = false;
  server.onclose = () => {
    if (closed) return;
    closed = true;
    live.delete(server);
    unsubscribe();
    try {
      ctx.onClose?.();
    } catch (e) {
      log(`${ctx.connectionId}: onClose failed: ${(e as Error).message}`);
    }
  };

  server.setRequestHandler(ListToolsRequestSchema, () => {
    const tools = upstreams.tools().map((t) => {
      const out: Record<string, unknown> = { name: t.name, inputSchema: t.inputSchema };
      if (t.title !== undefined) out.title = t.title;
      if (t.description !== undefined) out.description = t.description;
      if (t.outputSchema !== undefined) out.outputSchema = t.outputSchema;
      if (t.annotations !== undefined) out.annotations = t.annotations;
      if (t.icons !== undefined) out.icons = t.icons;
      if (t._meta !== undefined) out._meta = t._meta;
      return out as unknown as Tool;
    });
    return { tools };
  });

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const name = req.params.name;
    const target = upstreams.resolve(name);
    if (!target) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const args = (req.params.arguments ?? {}) as Record<string, unknown>;
    const call: ProxyCall = {
      connectionId: ctx.connectionId,
      mcpSessionId: ctx.getSessionId(),
      server: target.server,
      tool: target.tool,
      args,
      transport: ctx.transport,
    };
    if (ctx.clientPids) call.clientPids = ctx.clientPids;

    let verdict: GuardVerdict;
    /** a warning to show in the result: a proxy-only client's user sees nothing else */
    let warning: string | undefined;
    try {
      verdict = await guard.check(call);
    } catch (e) {
      // in-process guard failure is a bug; a data-flow guard must not wave the call through
      log(`${ctx.connectionId}: guard.check failed for ${name}: ${(e as Error).stack ?? e}`);
      return blocked('the data-flow check failed with an internal error, so this call was not forwarded. See the sidecar log.');
    }

    if (verdict.action === 'deny') {
      log(`${ctx.connectionId}: deny ${name}: ${verdict.reason}`);
      return blocked(verdict.reason);
    }
    if (verdict.action === 'ask') {
      if (server.getClientCapabilities()?.elicitation?.form) {
        let allowed = false;
        let why = 'the user did not allow it';
        try {
          const r = await server.elicitInput(
            {
              mode: 'form',
              message: `mcpproxy-hook: ${verdict.reason}\n\nAllow ${name} to run?`,
              requestedSchema: {
                type: 'object',
                properties: { allow: { type: 'boolean', title: `Allow ${name}`, description: 'Yes: run this call. No: block it.', default: false } },
                required: ['allow'],
              },
            },
            { relatedRequestId: extra.requestId, timeout: ctx.elicitTimeoutMs ?? 600_000, signal: extra.signal },
          );
          allowed = r.action === 'accept' && r.content?.allow === true;
          if (r.action === 'cancel') why = 'the question was dismissed';
        } catch (e) {
          if (extra.signal.aborted) throw e;
          why = `the question could not be asked (${(e as Error).message})`;
        }
        if (!allowed) {
          log(`${ctx.connectionId}: ask ${name}: not allowed (${why}): ${verdict.reason}`);
          guard.outcome?.(verdict, 'deny', why);
          return blocked(`${verdict.reason} (${why})`);
        }
        log(`${ctx.connectionId}: ask ${name}: allowed by the user: ${verdict.reason}`);
        guard.outcome?.(verdict, 'allow', 'the user allowed it when asked');
      } else {
        log(`${ctx.connectionId}: ask ${name} degraded to warn (the client does not support elicitation): ${verdict.reason}`);
        guard.outcome?.(verdict, 'warn', 'the client cannot ask its user (no elicitation), so the call went on with a warning in its result');
        warning = verdict.reason;
      }
    } else if (verdict.action === 'warn') {
      log(`${ctx.connectionId}: warn ${name}: ${verdict.reason}`);
      warning = verdict.reason;
    }

    const progressToken = req.params._meta?.progressToken;
    const upstreamResult = await upstreams.callTool(target.server, target.tool, args, {
      signal: extra.signal,
      ...(ctx.callTimeoutMs !== undefined ? { timeoutMs: ctx.callTimeoutMs } : {}),
      ...(progressToken !== undefined
        ? {
            onprogress: (p) => {
              // progress is advisory: a client gone or not listening loses the note, never the call's result
              extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken } }).catch(() => undefined);
            },
          }
        : {}),
    });
    let shown: typeof upstreamResult = upstreamResult;
    if (!isProxyGeneratedResult(upstreamResult)) {
      try {
        const r = guard.record(call, upstreamResult);
        if (r !== undefined) shown = r as typeof upstreamResult;
      } catch (e) {
        log(`${ctx.connectionId}: guard.record failed for ${name}: ${(e as Error).stack ?? e}`);
      }
    }
    const result = shown;
    if (warning !== undefined && Array.isArray((result as CallToolResult).content)) {
      return { ...(result as CallToolResult), content: [...(result as CallToolResult).content, { type: 'text', text: WARN_PREFIX + warning }] };
    }
    return result;
  });

  return server;
}
