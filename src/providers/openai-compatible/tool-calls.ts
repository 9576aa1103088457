/**
 * The tool calls of one streamed answer, keyed by `tool_calls[].index` (protocols.md §6.5).
 * Anthropic blocks are sequential while providers may interleave parallel calls, so one call
 * is live (its fragments stream as they come) and the others wait, their fragments kept. The
 * live call gives way to the next when its arguments are a whole JSON value (a complete object
 * cannot grow), else at the end of the answer. An `id` that differs from the one an index has
 * starts a new call (Ollama numbers every call 0).
 */

export interface ToolCallState {
  /** Order of first appearance. */
  readonly order: number;
  id: string | undefined;
  name: string | undefined;
  arguments: string;
  /** `pending`: fragments kept; `live`: streaming as an open block; `closed`: its block ended. */
  state: 'pending' | 'live' | 'closed';
  /** The Anthropic block index, once opened. */
  blockIndex?: number;
}

export interface ToolCallDelta {
  readonly call: ToolCallState;
  /** The new arguments fragment ('' when none). */
  readonly fragment: string;
}

export class ToolCallTable {
  private readonly byIndex = new Map<number, ToolCallState>();
  private readonly calls: ToolCallState[] = [];

  get count(): number {
    return this.calls.length;
  }

  /** Applies one `tool_calls[]` entry (already checked to be an object). */
  apply(entry: Record<string, unknown>, position: number): ToolCallDelta {
    const index = typeof entry.index === 'number' ? entry.index : position;
    const fn = typeof entry.function === 'object' && entry.function !== null ? (entry.function as Record<string, unknown>) : {};
    const id = typeof entry.id === 'string' && entry.id !== '' ? entry.id : undefined;
    let call = this.byIndex.get(index);
    if (call === undefined || (id !== undefined && call.id !== undefined && id !== call.id)) {
      call = { order: this.calls.length, id: undefined, name: undefined, arguments: '', state: 'pending' };
      this.byIndex.set(index, call);
      this.calls.push(call);
    }
    if (id !== undefined && call.id === undefined) call.id = id;
    if (typeof fn.name === 'string' && fn.name !== '' && call.name === undefined) call.name = fn.name;
    const fragment = argumentsText(fn.arguments);
    call.arguments += fragment;
    return { call, fragment };
  }

  /** The first waiting call that has a name (it can be opened). */
  nextReady(): ToolCallState | undefined {
    return this.calls.find((call) => call.state === 'pending' && call.name !== undefined);
  }

  pending(): ToolCallState[] {
    return this.calls.filter((call) => call.state === 'pending');
  }
}

/** Whether `text` is a whole JSON value already (nothing more can follow but whitespace). */
export function isWholeJson(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Arguments as text: some providers send an object where OpenAI sends its JSON text. */
export function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : '';
}
