/**
 * The service's environment file: `NAME="value"` lines, as Node's --env-file reads them. Values
 * are double-quoted with `\\n` for newlines; a value holding a double quote cannot be written
 * that way and is refused rather than mangled.
 */

export function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (match === null || line.trimStart().startsWith('#')) continue;
    const raw = (match[2] as string).trim();
    const quoted = /^"(.*)"$/.exec(raw) ?? /^'(.*)'$/.exec(raw);
    values.set(match[1] as string, quoted === null ? raw : (quoted[1] as string).replaceAll('\\n', '\n'));
  }
  return values;
}

export function serializeEnvFile(values: ReadonlyMap<string, string>, header: string): string {
  const lines = [...values].map(([name, value]) => {
    if (value.includes('"')) throw new Error(`${name}: a value with a double quote cannot go in the service's environment file`);
    return `${name}="${value.replaceAll('\n', '\\n')}"`;
  });
  return `${header
    .split('\n')
    .map((line) => `# ${line}`)
    .join('\n')}\n${lines.join('\n')}\n`;
}
