#!/usr/bin/env node
// The `claude-gateway` command (the package's bin). Plain JavaScript on purpose: it runs on any
// Node.js, so an older one gets one clear line (the same check as src/cli/node-version.ts)
// instead of a stack trace. In a checkout it runs the TypeScript source (always current; Node
// 22.18+ strips types); in the published package, which has no source, the build in dist/.
import { existsSync } from 'node:fs';

// node:sqlite without a flag: Node 22.13+ or 23.4+ (src/cli/node-version.ts). The module itself is
// checked, so --experimental-sqlite on an older 22 works and --no-experimental-sqlite is told.
const hasSqlite = typeof process.getBuiltinModule === 'function' && process.getBuiltinModule('node:sqlite') !== undefined;
if (!hasSqlite) {
  console.error(`claude-gateway needs Node.js 22.13.0 or newer, where node:sqlite loads without a flag; this is Node ${process.versions.node} (${process.execPath}). In a checkout, npm start and npx claude-gateway run the Node 24 that npm ci installs.`);
  process.exit(1);
}
const source = new URL('../src/cli/index.ts', import.meta.url);
const built = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(source) && process.features.typescript) {
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  console.error('claude-gateway is not built: run npm run build first (this Node.js cannot run the TypeScript source).');
  process.exit(1);
}
