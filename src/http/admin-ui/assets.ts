import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * The admin UI's files, read once at start-up into memory with their gzip and brotli forms: the
 * pages in src/admin/ui/ (shipped with the package as they are, no build step) and the ES
 * modules of preact, preact/hooks, htm and uPlot from node_modules (served under `vendor/`;
 * hooks' bare `preact` import is pointed at the sibling file, since a strict CSP rules out an
 * inline import map). Nothing comes from a CDN: the UI works offline.
 */

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
  readonly etag: string;
}

const types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** src/admin/ui from this file, whether it runs from src/http/admin-ui or dist/http/admin-ui. */
export const uiDirectory = fileURLToPath(new URL('../../../src/admin/ui/', import.meta.url));

function asset(name: string, text: string): Asset {
  const body = Buffer.from(text);
  return {
    type: types[extname(name)] ?? 'application/octet-stream',
    body,
    gzip: gzipSync(body, { level: 9 }),
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The vendor modules: name -> file, found through node's resolution from this package. */
function vendorFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const sibling = (specifier: string, file: string) => join(dirname(require.resolve(specifier)), file);
  return {
    'vendor/preact.mjs': require.resolve('preact'),
    'vendor/hooks.mjs': require.resolve('preact/hooks'),
    'vendor/htm.mjs': sibling('htm', 'htm.mjs'),
    'vendor/uplot.mjs': sibling('uplot', 'uPlot.esm.js'),
    'vendor/uplot.css': sibling('uplot', 'uPlot.min.css'),
  };
}

function vendorText(name: string, path: string): string {
  let text = readFileSync(path, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  if (name === 'vendor/hooks.mjs') text = text.replaceAll(/from\s*"preact"/g, 'from"./preact.mjs"');
  return text;
}

/** Every asset by its path under `/admin/assets/` (`index.html` is the page itself). */
export function loadAssets(directory = uiDirectory): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  // Without the UI's files (an install that left src/ out), the gateway still starts: /admin answers 404.
  const files = existsSync(directory) ? filesUnder(directory) : [];
  for (const path of files) {
    const name = relative(directory, path).split(sep).join('/');
    if (types[extname(name)] !== undefined) assets.set(name, asset(name, readFileSync(path, 'utf8')));
  }
  for (const [name, path] of Object.entries(vendorFiles())) assets.set(name, asset(name, vendorText(name, path)));
  return assets;
}

/** The encoding to send, from `accept-encoding` (brotli, then gzip, else none). */
export function pickEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Set((acceptEncoding ?? '').split(',').map((part) => part.split(';')[0]?.trim().toLowerCase()));
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}
