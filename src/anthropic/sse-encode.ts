/** The one SSE writer: always `event:` + `data:` + blank line, the JSON `type` equal to the name. */
export function encodeSseEvent(event: { readonly type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
