/**
 * What of a tool's output the model is shown. Claude Code hands hooks the tool's whole result, but
 * shows the model what the tool's result mapping makes of it. For Write and Edit (2.1.330, 2.1.332) that
 * is one line ("The file … has been updated successfully."); older versions added a few lines around
 * the edit (in `structuredPatch`). Their results also carry `originalFile`: the whole file as it was
 * before the change, which no version shows the model (a 455 KB file edited is 455 KB in every Edit's
 * output). A field the model is not shown is not data the session read: it is not recorded
 * (fingerprints, destinations, values), scanned or redacted, and a rewrite of the output
 * (updatedToolOutput) carries it through unchanged, so that the output keeps the tool's own shape.
 */

/** The fields of a tool's output that Claude Code never shows the model, by tool. */
const UNSHOWN: Readonly<Record<string, readonly string[]>> = {
  Write: ['originalFile'],
  Edit: ['originalFile'],
  MultiEdit: ['originalFile'],
};

/** The fields of `tool`'s output the model is never shown (undefined: none). */
function unshownOf(tool: unknown): readonly string[] | undefined {
  return typeof tool === 'string' && Object.hasOwn(UNSHOWN, tool) ? UNSHOWN[tool] : undefined;
}

/** A tool's output without the fields the model is never shown (the same object when it has none). */
export function shownOutput(tool: unknown, response: unknown): unknown {
  const fields = unshownOf(tool);
  if (!fields || response === null || typeof response !== 'object' || Array.isArray(response)) return response;
  const r = response as Record<string, unknown>;
  if (!fields.some((f) => Object.hasOwn(r, f))) return response;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!fields.includes(k)) out[k] = v;
  return out;
}

/** A rewrite of what shownOutput left of `response` (`rewritten`), with the fields it left out put back from the tool's own output. */
export function withUnshown(tool: unknown, response: unknown, rewritten: unknown): unknown {
  const fields = unshownOf(tool);
  if (!fields || rewritten === response || rewritten === null || typeof rewritten !== 'object' || Array.isArray(rewritten)) return rewritten;
  if (response === null || typeof response !== 'object') return rewritten;
  const r = response as Record<string, unknown>;
  const out: Record<string, unknown> = { ...(rewritten as Record<string, unknown>) };
  for (const f of fields) if (Object.hasOwn(r, f)) out[f] = r[f];
  return out;
}
