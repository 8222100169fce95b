import { defaultConfig } from '../../src/config/index.ts';
import { FlowEngine, type Decision } from '../../src/engine/engine.ts';

/**
 * One session driven through the decision core in-process, as Claude Code's hooks would: numbered
 * tool_use_ids, a clock one second a call, one working directory. `e` is the engine, for what a test
 * looks at directly (its tracker, a prompt event).
 */
export class EngineRun {
  readonly e: FlowEngine;
  t = 1_800_000_000_000;
  n = 0;
  constructor(
    readonly cwd: string,
    readonly session = 's1',
  ) {
    this.e = new FlowEngine(defaultConfig(), { seed: 1, home: '/home/u' });
  }
  ev(name: string, tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}): Decision {
    return this.e.handle(
      { hook_event_name: name, session_id: this.session, tool_name: tool, tool_input: input, tool_use_id: `toolu_${++this.n}`, cwd: this.cwd, ...extra },
      (this.t += 1000),
    );
  }
  pre(tool: string, input: Record<string, unknown>): Decision {
    return this.ev('PreToolUse', tool, input);
  }
  bash(command: string): Decision {
    return this.pre('Bash', { command });
  }
  prompt(text: string): Decision {
    return this.e.handle({ hook_event_name: 'UserPromptSubmit', session_id: this.session, cwd: this.cwd, prompt: text }, (this.t += 1000));
  }
  /** A tool call that ran and returned `response` (PreToolUse, then PostToolUse). */
  call(tool: string, input: Record<string, unknown>, response: unknown): void {
    this.pre(tool, input);
    this.ev('PostToolUse', tool, input, { tool_response: response });
  }
  read(path: string, content: string): void {
    this.call('Read', { file_path: path }, { type: 'text', file: { filePath: path, content, numLines: 1, startLine: 1, totalLines: 1 } });
  }
  webfetch(url: string, result: string): void {
    this.call('WebFetch', { url, prompt: 'Summarize' }, { bytes: result.length, code: 200, codeText: 'OK', result, durationMs: 10, url });
  }
  /** A CRM query over MCP that returned `rows` as JSON text. */
  query(rows: unknown[]): void {
    this.call('mcp__crm__query', { sql: 'select * from customers' }, [{ type: 'text', text: JSON.stringify(rows) }]);
  }
}
