/**
 * The `data:` text an event arrived with, when it is passed on unchanged (Bedrock InvokeModel
 * chunks are Anthropic events already: their JSON text goes out as it came, unknown fields and
 * number spellings included). A symbol key: JSON.stringify and structuredClone never see it.
 */
const verbatimData = Symbol('verbatimData');

type WithVerbatim = { readonly [verbatimData]?: string };

/** `event` (parsed from `data`, one line of JSON), remembering `data` as its wire text. */
export function withVerbatimData<Event extends object>(event: Event, data: string): Event {
  Object.defineProperty(event, verbatimData, { value: data, enumerable: false });
  return event;
}

/** The one SSE writer: always `event:` + `data:` + blank line, the JSON `type` equal to the name. */
export function encodeSseEvent(event: { readonly type: string }): string {
  return `event: ${event.type}\ndata: ${(event as WithVerbatim)[verbatimData] ?? JSON.stringify(event)}\n\n`;
}
