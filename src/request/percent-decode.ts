/**
 * Lenient percent-decoding of a request target, for checks that must see what a server
 * upstream could see: every run of valid `%XX` escapes decoded (as UTF-8, else byte by byte),
 * invalid escapes left as they are; and the successive decodings of a target, for a server
 * that decodes more than once (`%252F` is `/` to it).
 */

export function percentDecoded(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return Buffer.from(run.replaceAll('%', ''), 'hex').toString('latin1');
    }
  });
}

/** How many rounds of decoding a target is checked through. */
export const DECODING_ROUNDS = 4;

/** `text` as sent, then each distinct decoding of it, up to DECODING_ROUNDS. */
export function decodings(text: string): string[] {
  const result = [text];
  let current = text;
  for (let round = 0; round < DECODING_ROUNDS; round++) {
    const decoded = percentDecoded(current);
    if (decoded === current) break;
    result.push(decoded);
    current = decoded;
  }
  return result;
}
