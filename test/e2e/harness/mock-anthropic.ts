/**
 * Scripted mock of the Anthropic Messages API, used to drive the real Claude Code CLI
 * offline. The "model" is a script: turn N (the Nth reply to a request that offers tools)
 * is served when the request already holds N assistant messages.
 *
 * Endpoints: POST /v1/messages (SSE when body.stream is true, JSON otherwise; any query
 * string such as ?beta=true is ignored), POST /v1/messages/count_tokens, HEAD on any path
 * and GET / answer 200, everything else 404 (recorded with kind 'unknown').
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The model calls a tool. Several tool_use blocks in one turn are parallel tool calls. */
export interface ToolUseBlock {
  tool_use: { name: string; input: Record<string, unknown> };
}
/** The model says something. */
export interface TextBlock {
  text: string;
}
export type TurnBlock = ToolUseBlock | TextBlock;
/** One scripted assistant reply. */
export type Turn = TurnBlock[];

/** The parts of a Messages API request body the mock looks at. */
export interface MessagesRequest {
  model?: string;
  stream?: boolean;
  tools?: Array<{ name: string; [k: string]: unknown }>;
  system?: unknown;
  messages?: Array<{ role: string; content: unknown }>;
  [k: string]: unknown;
}

/**
 * The model's replies: a list of turns, or a function of the request and turn index. The function may
 * return a promise (the reply waits for it): a test can act between two tool calls (restart the sidecar,
 * wait for a row) and serve the next turn when that is done.
 */
export type Script = Turn[] | ((req: MessagesRequest, turn: number) => Turn | Promise<Turn>);

/** One tool_result block that the CLI sent back to the "model". */
export interface ToolResult {
  tool_use_id: string;
  /** Name of the tool the assistant called, resolved from the tool_use block with this id. */
  tool_name: string | undefined;
  is_error: boolean;
  /** The tool_result content flattened to text (text blocks joined with '\n'). */
  text: string;
}

/** One HTTP request the mock received. */
export interface RecordedRequest {
  /** ms since the mock started */
  atMs: number;
  method: string;
  url: string;
  path: string;
  /** request headers, x-api-key / authorization redacted */
  headers: Record<string, string | string[] | undefined>;
  /** parsed JSON body (or the raw string when it is not JSON, null when empty) */
  body: any;
  /** 'turn' (scripted turn served), 'side' (no tools: answered 'ok'), 'count_tokens', 'head', 'unknown' */
  kind: 'turn' | 'side' | 'count_tokens' | 'head' | 'unknown';
  /** for kind 'turn': the turn index served */
  turn?: number;
  /** for kind 'turn' and 'side': the content blocks the mock answered with */
  response?: unknown[];
}

export interface MockAnthropic {
  url: string;
  port: number;
  /** every request received, in arrival order */
  requests: RecordedRequest[];
  /** problems inside the mock (script threw, script exhausted, bad JSON...) */
  errors: string[];
  /** all tool_results sent back by the CLI across all requests, deduplicated by tool_use_id, in first-seen order */
  toolResults(): ToolResult[];
  close(): Promise<void>;
}

/** Flatten tool_result content (string or array of blocks) to text. */
export function flattenContent(content: unknown): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((b: any) => {
        if (b == null) return '';
        if (typeof b === 'string') return b;
        if (b.type === 'text' && typeof b.text === 'string') return b.text;
        if (b.type === 'image') return '[image]';
        return JSON.stringify(b);
      })
      .join('\n');
  }
  return JSON.stringify(content);
}

function blocksOf(content: unknown): any[] {
  return Array.isArray(content) ? content : [];
}

/** Extract tool_results (with tool names resolved) from one request body. */
export function toolResultsOfRequest(body: MessagesRequest, knownNames?: Map<string, string>): ToolResult[] {
  const msgs = Array.isArray(body?.messages) ? body.messages : [];
  const names = new Map<string, string>(knownNames ?? []);
  for (const m of msgs) {
    if (m?.role !== 'assistant') continue;
    for (const b of blocksOf(m.content)) if (b?.type === 'tool_use' && b.id) names.set(b.id, b.name);
  }
  const out: ToolResult[] = [];
  for (const m of msgs) {
    if (m?.role !== 'user') continue;
    for (const b of blocksOf(m.content)) {
      if (b?.type !== 'tool_result') continue;
      out.push({
        tool_use_id: String(b.tool_use_id),
        tool_name: names.get(b.tool_use_id),
        is_error: b.is_error === true,
        text: flattenContent(b.content),
      });
    }
  }
  return out;
}

function isToolUse(b: TurnBlock): b is ToolUseBlock {
  return typeof (b as ToolUseBlock).tool_use === 'object' && (b as ToolUseBlock).tool_use !== null;
}

export async function startMockAnthropic(script: Script): Promise<MockAnthropic> {
  const t0 = Date.now();
  const requests: RecordedRequest[] = [];
  const errors: string[] = [];
  const issuedNames = new Map<string, string>(); // tool_use id -> tool name, for every tool_use we served
  let seq = 0;
  let toolSeq = 0;

  function turnFor(body: MessagesRequest, turn: number): Turn | Promise<Turn> {
    if (typeof script === 'function') return script(body, turn);
    const t = script[turn];
    if (t === undefined) {
      errors.push(`script exhausted: turn ${turn} requested, script has ${script.length} turns`);
      return [{ text: `[mock] script exhausted at turn ${turn}` }];
    }
    return t;
  }

  /** Decide the reply content; returns Anthropic content blocks and stop reason. */
  async function plan(body: MessagesRequest, rec: RecordedRequest): Promise<{ content: any[]; stop: string }> {
    const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
    if (!hasTools) {
      rec.kind = 'side';
      return { content: [{ type: 'text', text: 'ok' }], stop: 'end_turn' };
    }
    const msgs = Array.isArray(body.messages) ? body.messages : [];
    const turn = msgs.filter((m) => m?.role === 'assistant').length;
    rec.kind = 'turn';
    rec.turn = turn;
    let blocks: Turn;
    try {
      const t = (await turnFor(body, turn)) as Turn | TurnBlock;
      blocks = Array.isArray(t) ? t : [t];
    } catch (e) {
      errors.push(`script threw at turn ${turn}: ${(e as Error)?.stack ?? e}`);
      blocks = [{ text: `[mock] script error at turn ${turn}` }];
    }
    if (blocks.length === 0) blocks = [{ text: '' }];
    const content = blocks.map((b) => {
      if (isToolUse(b)) {
        const id = `toolu_mock_${String(++toolSeq).padStart(4, '0')}_${Math.random().toString(36).slice(2, 10)}`;
        issuedNames.set(id, b.tool_use.name);
        return { type: 'tool_use', id, name: b.tool_use.name, input: b.tool_use.input ?? {} };
      }
      return { type: 'text', text: String((b as TextBlock).text ?? '') };
    });
    const stop = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    return { content, stop };
  }

  function sendJson(res: http.ServerResponse, code: number, obj: unknown): void {
    const s = JSON.stringify(obj);
    res.writeHead(code, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(s),
      'request-id': `req_mock_${seq}`,
    });
    res.end(s);
  }

  function sse(res: http.ServerResponse, event: string, data: unknown): void {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  async function respondMessages(res: http.ServerResponse, body: MessagesRequest, rec: RecordedRequest): Promise<void> {
    const { content, stop } = await plan(body, rec);
    rec.response = content;
    const id = `msg_mock_${++seq}`;
    const model = body.model || 'claude-mock';
    const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (!body.stream) {
      sendJson(res, 200, { id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': `req_mock_${seq}`,
    });
    sse(res, 'message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    });
    content.forEach((b, index) => {
      if (b.type === 'text') {
        sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } });
      } else {
        sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
      }
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    });
    sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any = null;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const headers = { ...req.headers };
      for (const k of ['x-api-key', 'authorization']) if (headers[k]) headers[k] = '<redacted>';
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? '/';
      const method = req.method ?? 'GET';
      const rec: RecordedRequest = { atMs: Date.now() - t0, method, url, path, headers, body, kind: 'unknown' };
      requests.push(rec);
      try {
        if (method === 'POST' && path === '/v1/messages/count_tokens') {
          rec.kind = 'count_tokens';
          return sendJson(res, 200, { input_tokens: Math.max(1, Math.ceil(raw.length / 4)) });
        }
        if (method === 'POST' && path === '/v1/messages') {
          const b: MessagesRequest = body && typeof body === 'object' ? body : {};
          return await respondMessages(res, b, rec);
        }
        if (method === 'HEAD' || (method === 'GET' && path === '/')) {
          rec.kind = 'head';
          res.writeHead(200);
          return res.end();
        }
        sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `mock: unknown path ${url}` } });
      } catch (e) {
        errors.push(`handler failed for ${method} ${url}: ${(e as Error)?.stack ?? e}`);
        if (!res.headersSent) sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: 'mock internal error' } });
        else res.end();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    errors,
    toolResults(): ToolResult[] {
      const seen = new Map<string, ToolResult>();
      for (const r of requests) {
        if (r.path !== '/v1/messages' || !r.body || typeof r.body !== 'object') continue;
        for (const tr of toolResultsOfRequest(r.body, issuedNames)) if (!seen.has(tr.tool_use_id)) seen.set(tr.tool_use_id, tr);
      }
      return [...seen.values()];
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
