/**
 * The config, declared once as zod schemas: the types are inferred from them, the defaults and the
 * one-line documentation of every key live beside its type, and the JSON Schema for editors is
 * generated from them (`mcpproxy-hook config --json-schema`). Pure: no I/O.
 */
import { z } from 'zod';
import { DEFAULT_SUSPICIOUS_ENDPOINTS } from '../engine/urls.ts';

export const ACTIONS = ['allow', 'warn', 'ask', 'deny'] as const;
export const CLASSES = ['internal', 'external', 'hybrid', 'unknown'] as const;

/** Server names in `mcp.servers`: what Claude Code and .mcp.json accept, and short enough for tool names. */
export const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const action = (def: (typeof ACTIONS)[number], doc: string) => z.enum(ACTIONS).default(def).describe(doc);
const int = (min: number, max: number, def: number, doc: string) => z.number().int().min(min).max(max).default(def).describe(doc);
const bool = (def: boolean, doc: string) => z.boolean().default(def).describe(doc);
const _strings = (def: readonly string[], doc: string) =>
  z
    .array(z.string().min(1))
    .default(() => [...def])
    .describe(doc);
/**
 * A domain list entry: a host name (`corp.example`, `*.corp.example`, `.corp.example`) or an IP address.
 * A URL, a port or a path would never match a destination host, so they are refused with the entry to
 * write instead (not rewritten: "https://github.com/myorg" trusts all of github.com, which the user
 * should choose knowingly).
 */
export function domainEntryProblem(entry: string): string | undefined {
  const e = entry.trim();
  if (/^(\*\.|\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(e) || /^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/.test(e))
    return e === entry ? undefined : `${JSON.stringify(entry)} has spaces around it; write ${JSON.stringify(e)}`;
  let host: string | undefined;
  try {
    host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(e) ? e : `http://${e}`).hostname || undefined;
  } catch {
    host = undefined;
  }
  const what = /:\/\//.test(e) ? 'is a URL' : /\//.test(e) ? 'has a path' : /:\d+$/.test(e) ? 'has a port' : undefined;
  if (host && what)
    return `${JSON.stringify(entry)} ${what}; entries are host names, matched with their subdomains: write ${JSON.stringify(host)} (this covers every path and port on it)`;
  return `${JSON.stringify(entry)} is not a host name; write a domain such as "git.corp.example" (its subdomains are included) or an IP address`;
}
const domains = (def: readonly string[], doc: string) =>
  z
    .array(
      z
        .string()
        .min(1)
        .superRefine((v, ctx) => {
          const problem = domainEntryProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    )
    .default(() => [...def])
    .describe(doc);
/**
 * A map keyed by names the user chooses (tools, servers). Parsed into an object with no prototype, so
 * that a key such as `constructor` or `__proto__` is a plain entry and a lookup of a name that is not
 * there can never reach Object.prototype.
 */
const nameMap = <T extends readonly [string, ...string[]]>(values: T, doc: string) =>
  z
    .record(z.string(), z.enum(values))
    .default(() => ({}))
    .transform((m) => Object.assign(Object.create(null) as Record<string, T[number]>, m))
    .describe(doc);

const stringMap = z.record(z.string(), z.string());

export const upstreamServerSchema = z
  .strictObject({
    /** stdio */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: stringMap.optional(),
    cwd: z.string().optional(),
    /** streamable HTTP ("streamable-http" is accepted as a synonym of "http") */
    type: z
      .enum(['stdio', 'http', 'streamable-http'])
      .transform((t) => (t === 'streamable-http' ? 'http' : t))
      .optional(),
    url: z
      .string()
      .regex(/^https?:\/\//, 'expected an http(s) URL')
      .optional(),
    headers: stringMap.optional(),
    /** classification of this upstream for the flow engine */
    classification: z.enum(CLASSES).optional(),
    disabled: z.boolean().optional(),
  })
  // `when`: say this even when another key of the same server is wrong too (zod skips refinements then)
  .refine((s) => s.command !== undefined || s.url !== undefined, {
    message: 'needs "command" (a stdio server) or "url" (a Streamable HTTP server)',
    when: (p) => typeof p.value === 'object' && p.value !== null,
  })
  .refine((s) => s.command === undefined || s.url === undefined, {
    message: 'has both "command" and "url"; keep one',
    when: (p) => typeof p.value === 'object' && p.value !== null,
  });

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('path or URL of the JSON Schema, for editors'),
    policy: z
      .strictObject({
        sensitiveToExternal: action('deny', 'data with a secret or card number, read by an internal tool, about to leave the machine'),
        internalToExternal: action('ask', 'other data read by an internal tool about to leave the machine'),
        sensitiveToUnknown: action('ask', 'sensitive data going to a tool that is not classified (e.g. an unknown MCP server)'),
        internalToUnknown: action('allow', 'other internal data going to a tool that is not classified'),
        secretToExternal: action('deny', 'a secret (by pattern) in outgoing data that no tool of the session returned'),
        askWhenBypassed: action(
          'deny',
          "what an 'ask' becomes in a session that bypasses permissions (--dangerously-skip-permissions, permission_mode bypassPermissions), where Claude Code would run the call without asking anyone",
        ),
        guardTampering: action('deny', 'a tool call that would stop or kill the sidecar, uninstall the guard, or change or delete its state or built files'),
        settingsChanges: action(
          'ask',
          "a change of Claude Code's settings files (where the guard's hooks and MCP servers are configured) that the guard cannot vouch for: a Write or Edit whose result drops or changes the guard's hooks, switches hooks off, sets env keys that steer them or adds hooks or commands that send data; a writer whose result it cannot see (redirects, cp, mv, sed -i, code writing a computed path); ~/.claude.json",
        ),
        sensitiveInFetchPrompt: action(
          'deny',
          'secrets or sensitive data in the prompt of a WebFetch of an outside page (the prompt goes to the summarising model, not the site, but only an injected agent puts secrets there)',
        ),
        internalToHybrid: action(
          'warn',
          "internal data (shared text only: no secret, card, e-mail or random id) going to a write tool of a hybrid server such as GitHub, where the project's code and tickets already live",
        ),
        internalToSearch: action(
          'warn',
          'internal data (shared text only: no secret, card, e-mail or random id) in a WebSearch query, e.g. an error message from a test run',
        ),
        lethalTrifecta: action(
          'ask',
          'any egress of a session that has read both untrusted content (web page, search result, public issue) and sensitive data, even when nothing matches (a plain git push to an existing remote is exempt)',
        ),
        internalToChosen: action(
          'warn',
          "internal data (no secret) going only to destinations the user chose: named in the user's prompt, the project's own repository and remotes, hosts in the project's files, the user's own infrastructure (~/.ssh/config, private addresses, trustedHosts)",
        ),
        plantedDestination: action(
          'deny',
          'internal data going to a destination that first appeared in the free text of outside content this session (a web page, mail, message, ticket, review): what a prompt injection plants',
        ),
        plantedDestinationAny: action(
          'deny',
          'any call with a payload to a destination that first appeared in the free text of outside content this session, even when none of the data is recognised',
        ),
        providerOwnApi: action(
          'allow',
          "a provider's credential going to that provider's own API (Stripe key to api.stripe.com, AWS keys to amazonaws.com, GitHub token to api.github.com), unless the destination came from tool output",
        ),
        suspiciousEndpoint: action('deny', 'any tool input naming a host on the suspicious-endpoint list'),
        suspiciousEndpoints: domains(
          DEFAULT_SUSPICIOUS_ENDPOINTS,
          'domains (and their subdomains) that exist to receive data: request bins, tunnels, paste sites; replaces the built-in list',
        ),
        extraSuspiciousEndpoints: domains([], 'domains added to the suspicious-endpoint list'),
        trustedHosts: domains(
          [],
          'destination domains you own (host names like git.corp.example, subdomains included; not URLs); data going only there counts as staying inside',
        ),
        toolActions: nameMap(ACTIONS, 'tool name -> action used for any data flow into that tool (e.g. {"WebFetch": "warn"})'),
        serverActions: nameMap(ACTIONS, 'MCP server name -> action used for any data flow into its tools'),
      })
      .prefault({}),
    classification: z
      .strictObject({
        servers: nameMap(CLASSES, 'MCP server name -> internal | external | hybrid | unknown'),
        tools: nameMap(CLASSES, 'tool name (e.g. mcp__crm__export) -> class; wins over the server'),
      })
      .prefault({}),
    session: z
      .strictObject({
        idleMinutes: int(1, 10080, 30, 'a session with no event for this long is closed and summarised'),
        maxFingerprints: int(1000, 5_000_000, 50_000, 'fingerprints kept per session; the oldest origins are evicted first'),
        maxSessions: int(
          1,
          100_000,
          1000,
          'sessions tracked at once (fewer when the memory budget cannot hold that many sessions each filled up to maxFingerprints: see `status`); only a session quiet for a minute that holds no data is closed to make room, otherwise a new session is refused (its tool calls denied with the reason)',
        ),
        maxResponseBytes: int(1024, 64 * 1024 * 1024, 1024 * 1024, 'bytes of one tool response that are fingerprinted'),
        persist: bool(
          true,
          "save open sessions' flow state (keyed hashes, never content in clear; the texts of files a session wrote are sealed) in the state database, so a restart or crash of the sidecar keeps protecting them",
        ),
      })
      .prefault({}),
    audit: z
      .strictObject({
        retentionDays: int(1, 3650, 30, 'audit rows older than this are pruned'),
        maxRows: int(1000, 100_000_000, 2_000_000, 'the oldest audit rows beyond this count are pruned'),
      })
      .prefault({}),
    hook: z
      .strictObject({
        failClosed: bool(
          true,
          'default for `install`: block tool calls when the sidecar cannot be reached or the hook cannot run (`"onFailure": "block"`, Claude Code >= 2.1.295); `install --fail-open` overrides it',
        ),
        timeoutSeconds: int(2, 600, 10, 'the `timeout` written into Claude Code settings for our hooks'),
        deadlineMs: int(100, 60_000, 3000, "the hook's own deadline for the sidecar's answer (kept below timeoutSeconds)"),
        httpPort: int(0, 65535, 0, 'loopback port of the HTTP hook endpoint (`install --transport http`); 0 = off'),
      })
      .prefault({}),
    console: z
      .strictObject({
        port: int(0, 65535, 0, 'loopback port of the console (`mcpproxy-hook console`), started on first use; 0 = any free port'),
      })
      .prefault({}),
    mcp: z
      .strictObject({
        port: int(0, 65535, 0, 'loopback port of the MCP proxy (Streamable HTTP); 0 = off'),
        servers: z
          .record(z.string().regex(SERVER_NAME, 'server names may use letters, digits, "_" and "-" (1-64 chars)'), upstreamServerSchema)
          .default(() => ({}))
          .transform((m) => Object.assign(Object.create(null) as Record<string, z.infer<typeof upstreamServerSchema>>, m))
          .describe('upstream MCP servers, same shape as .mcp.json "mcpServers"'),
      })
      .prefault({}),
    redaction: z
      .strictObject({
        mode: z
          .enum(['off', 'secrets'])
          .default('secrets')
          .describe(
            "secrets: what tools return reaches the model with each secret the detector finds replaced by a placeholder («secret: AWS secret access key #1, held back by mcpproxy-hook»); a Write, or an Edit's new_string, to the file a value came from gets the real value back. off: outputs reach the model unchanged",
          ),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.hook.deadlineMs >= c.hook.timeoutSeconds * 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['hook', 'deadlineMs'],
        message: `${c.hook.deadlineMs} must be below hook.timeoutSeconds (${c.hook.timeoutSeconds} s), or Claude Code kills the hook first and lets the tool run`,
      });
    }
  });

export type Config = Omit<z.output<typeof configSchema>, '$schema'>;
export type UpstreamServer = z.output<typeof upstreamServerSchema>;
