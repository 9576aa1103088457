/**
 * An incremental SSE decoder following the WHATWG event-stream rules: LF, CR and CRLF line
 * endings (also split across chunks), comment lines, multi-line `data:`, UTF-8 split across
 * chunks. Used wherever the gateway must read events (usage taps, translation, tests).
 */

export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

export class SseDecoder {
  private readonly text = new TextDecoder('utf-8');
  private carry = '';
  private afterCarriageReturn = false;
  private eventName: string | undefined;
  private dataLines: string[] = [];

  push(chunk: Uint8Array): SseEvent[] {
    return this.feed(this.text.decode(chunk, { stream: true }));
  }

  /** Flushes the decoder at end of stream. A trailing event without its blank line is dropped. */
  end(): SseEvent[] {
    const events = this.feed(this.text.decode());
    this.carry = '';
    this.eventName = undefined;
    this.dataLines = [];
    return events;
  }

  private feed(input: string): SseEvent[] {
    let text = input;
    if (this.afterCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    if (text.length > 0) this.afterCarriageReturn = false;
    const events: SseEvent[] = [];
    let buffer = this.carry + text;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf('\n', start);
      const cr = buffer.indexOf('\r', start);
      if (lf === -1 && cr === -1) break;
      const isCr = cr !== -1 && (lf === -1 || cr < lf);
      const end = isCr ? cr : lf;
      const line = buffer.slice(start, end);
      if (isCr) {
        if (end + 1 < buffer.length) start = buffer[end + 1] === '\n' ? end + 2 : end + 1;
        else {
          start = end + 1;
          this.afterCarriageReturn = true;
        }
      } else start = end + 1;
      const event = this.line(line);
      if (event !== undefined) events.push(event);
    }
    buffer = buffer.slice(start);
    this.carry = buffer;
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.dataLines.length === 0) {
        this.eventName = undefined;
        return undefined;
      }
      const event = { event: this.eventName, data: this.dataLines.join('\n') };
      this.eventName = undefined;
      this.dataLines = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.dataLines.push(value);
    return undefined;
  }
}

/** Decodes a whole SSE body at once (tests, small buffered bodies). */
export function decodeSse(body: Uint8Array | string): SseEvent[] {
  const decoder = new SseDecoder();
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return [...decoder.push(bytes), ...decoder.end()];
}

/**
 * Whether whole SSE events carry an `event: <name>` field line. The line must be the whole
 * line: a `data:` line can hold the same words inside its JSON (a model asked to write
 * `event: message_stop` does), and JSON text never holds a raw line break.
 */
export function hasEventField(events: Buffer | string, name: string): boolean {
  const needle = `event: ${name}`;
  const codeAt = (index: number): number => (typeof events === 'string' ? events.charCodeAt(index) : (events[index] as number));
  for (let at = events.indexOf(needle); at !== -1; at = events.indexOf(needle, at + 1)) {
    const before = at === 0 ? 10 : codeAt(at - 1);
    const end = at + needle.length;
    const after = end >= events.length ? 10 : codeAt(end);
    if ((before === 10 || before === 13) && (after === 10 || after === 13)) return true;
  }
  return false;
}
