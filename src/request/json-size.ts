/**
 * The length of `JSON.stringify(value)` for parsed JSON, computed without building the text and
 * without recursion (a walker of request JSON must not overflow the stack, issue 10 B9). String
 * escapes are not counted (a string is its length plus two quotes), so for text with quotes,
 * backslashes or control characters the result is slightly below the real serialisation.
 * `characters` counts UTF-16 code units (what `.length` gives), `bytes` UTF-8 bytes.
 */
export function jsonLength(value: unknown, unit: 'characters' | 'bytes'): number {
  const sizeOf = unit === 'bytes' ? (text: string) => Buffer.byteLength(text, 'utf8') : (text: string) => text.length;
  let total = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') total += sizeOf(item) + 2;
    else if (typeof item === 'number' || typeof item === 'boolean') total += String(item).length;
    else if (item === null) total += 4;
    else if (Array.isArray(item)) {
      // Brackets, and a comma between items.
      total += 2 + Math.max(0, item.length - 1);
      for (const child of item) pending.push(child);
    } else if (typeof item === 'object') {
      const entries = Object.entries(item);
      // Braces, a comma between entries, and each key with its quotes and colon.
      total += 2 + Math.max(0, entries.length - 1);
      for (const [key, child] of entries) {
        total += sizeOf(key) + 3;
        pending.push(child);
      }
    }
  }
  return total;
}
