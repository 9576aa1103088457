import { BACKSLASH, CLOSE_BRACE as CLOSE_OBJECT, CLOSE_BRACKET as CLOSE_ARRAY, OPEN_BRACE as OPEN_OBJECT, OPEN_BRACKET as OPEN_ARRAY, QUOTE } from './json-bytes.ts';

/**
 * How deep a JSON text nests, found by scanning its bytes (no parse, no recursion, no
 * allocation): `[` and `{` outside strings open a level, `]` and `}` close one. The gateway
 * refuses request bodies that nest deeper than MAX_JSON_DEPTH before it parses or walks them, so
 * no reader of a body (the token bound, the Bedrock converters, JSON.stringify) can overflow the
 * stack (issue 10 B9). Anthropic's own limit is not documented; real requests nest a few dozen
 * levels at most (tool schemas, tool inputs), and JSON.stringify overflows at about 5,000.
 * The top-level field scan measures the same depth on its way (body-scan.ts `scanBody`); this
 * byte scan is for a body that scan could not read.
 */

export const MAX_JSON_DEPTH = 1_000;

/** Whether `json` opens more than `limit` arrays and objects inside each other. */
export function nestsDeeperThan(json: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < json.length; index++) {
    const byte = json[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return false;
}
