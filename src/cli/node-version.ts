/**
 * The Node.js the gateway needs: one where node:sqlite (the default store) loads without a flag,
 * which is 22.13 and later in the 22 line and 23.4 and later (22.5 to 22.12 and 23.0 to 23.3
 * have it only behind --experimental-sqlite). Checked before anything that needs it is loaded,
 * so another Node gets one line saying so instead of a stack trace. What is checked is the
 * module itself, not the version number: a Node that has it because it was started with
 * --experimental-sqlite runs, one started with --no-experimental-sqlite gets the line.
 * (bin/claude-gateway.js repeats this check in plain JavaScript, for the command run from a
 * checkout.)
 */
export const MINIMUM_NODE = '22.13.0';

/** The line to print when node:sqlite is not available on this Node, else undefined. */
export function unsupportedNode(version: string, executable: string, hasSqlite: boolean): string | undefined {
  if (hasSqlite) return undefined;
  return `claude-gateway needs Node.js ${MINIMUM_NODE} or newer, where node:sqlite loads without a flag; this is Node ${version} (${executable}). In a checkout, npm start and npx claude-gateway run the Node 24 that npm ci installs.`;
}

/** Whether this process can load node:sqlite (process.getBuiltinModule exists from Node 20.16 and 22.3). */
export function sqliteAvailable(): boolean {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  return typeof get === 'function' && get.call(process, 'node:sqlite') !== undefined;
}
