/**
 * Tool-call ids, sanitised reversibly (protocols.md §6.6). Anthropic and Bedrock take tool ids
 * matching `^[a-zA-Z0-9_-]+$`; some OpenAI-compatible providers send `functions.get_weather:0`
 * (Kimi, some Groq models). Such an id becomes `oai_` + the id with every byte outside
 * `[A-Za-z0-9-]` written `_hh` (lowercase hex): `oai_functions_2eget_5fweather_3a0`. A valid id
 * is kept as it is, so both directions are stateless: the id a client sends back in history is
 * restored before it goes to the provider again. (A valid upstream id that happens to look like
 * an encoding of an invalid one would be decoded; with the `oai_` prefix this does not occur.)
 */

const validId = /^[a-zA-Z0-9_-]+$/;
const prefix = 'oai_';
const encodedBody = /^(?:[a-zA-Z0-9-]|_[0-9a-f]{2})+$/;

export function toAnthropicToolId(id: string): string {
  if (validId.test(id)) return id;
  let encoded = prefix;
  for (const byte of Buffer.from(id, 'utf8')) {
    const isKept = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d;
    encoded += isKept ? String.fromCharCode(byte) : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return encoded;
}

export function fromAnthropicToolId(id: string): string {
  if (!id.startsWith(prefix)) return id;
  const body = id.slice(prefix.length);
  if (!encodedBody.test(body)) return id;
  const bytes: number[] = [];
  for (let at = 0; at < body.length; at++) {
    if (body[at] === '_') {
      bytes.push(Number.parseInt(body.slice(at + 1, at + 3), 16));
      at += 2;
    } else bytes.push(body.charCodeAt(at));
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  // Only an id the encoder would have produced decodes: an encoded id was never valid.
  return validId.test(decoded) || toAnthropicToolId(decoded) !== id ? id : decoded;
}
