import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * An npm registry on 127.0.0.1 that serves exactly the packages of a package-lock.json, from the
 * tarballs already in the local npm cache (content-addressed by the lockfile's integrity). It lets
 * `npm ci` run inside `docker build --network host` with no network but loopback.
 */

interface LockEntry {
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly development: boolean;
  readonly manifest: Record<string, unknown>;
}

export interface LockfileRegistry {
  readonly url: string;
  /** Packages (name@version) that `npm ci --omit=dev` installs, or named in `alsoNeeded`, whose tarball is not in the npm cache. */
  readonly missing: readonly string[];
  close(): Promise<void>;
}

const manifestFields = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'license'] as const;

function lockEntries(lockfile: string): LockEntry[] {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const entries: LockEntry[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || typeof entry['version'] !== 'string' || typeof entry['integrity'] !== 'string') continue;
    const name = typeof entry['name'] === 'string' ? entry['name'] : path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const manifest: Record<string, unknown> = {};
    for (const field of manifestFields) if (entry[field] !== undefined) manifest[field] = entry[field];
    entries.push({ name, version: entry['version'], integrity: entry['integrity'], development: entry['dev'] === true, manifest });
  }
  return entries;
}

/** Where npm keeps a tarball of this integrity (cacache's content-v2 layout). */
export function cachedTarball(cacheDirectory: string, integrity: string): string {
  const [algorithm, digest] = integrity.split(' ')[0]?.split('-', 2) ?? [];
  const hex = Buffer.from(digest ?? '', 'base64').toString('hex');
  return join(cacheDirectory, '_cacache', 'content-v2', algorithm ?? 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

export async function startLockfileRegistry(lockfile: string, alsoNeeded: readonly string[] = [], cacheDirectory = process.env['npm_config_cache'] ?? join(homedir(), '.npm')): Promise<LockfileRegistry> {
  const byName = new Map<string, LockEntry[]>();
  for (const entry of lockEntries(lockfile)) byName.set(entry.name, [...(byName.get(entry.name) ?? []), entry]);
  let base = '';
  const packument = (name: string, entries: readonly LockEntry[]) => {
    const versions: Record<string, unknown> = {};
    for (const entry of entries) {
      const tarball = `${base}/-/tarball/${encodeURIComponent(name)}/${entry.version}.tgz`;
      versions[entry.version] = { name, version: entry.version, ...entry.manifest, dist: { tarball, integrity: entry.integrity } };
    }
    const latest = entries.at(-1)?.version ?? '0.0.0';
    return { name, 'dist-tags': { latest }, versions };
  };
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/');
    const tarball = /^\/-\/tarball\/(.+)\/([^/]+)\.tgz$/.exec(path);
    if (tarball !== null) {
      const entry = byName.get(tarball[1] as string)?.find((candidate) => candidate.version === tarball[2]);
      const file = entry === undefined ? undefined : cachedTarball(cacheDirectory, entry.integrity);
      if (file === undefined || !existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void createReadStream(file).pipe(response);
    }
    const entries = byName.get(path.slice(1));
    if (entries === undefined) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument(path.slice(1), entries)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const missing = [...byName.values()].flat().filter((entry) => (!entry.development || alsoNeeded.includes(entry.name)) && !existsSync(cachedTarball(cacheDirectory, entry.integrity))).map((entry) => `${entry.name}@${entry.version}`);
  return {
    url: `${base}/`,
    missing,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
