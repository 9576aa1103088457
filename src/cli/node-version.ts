/**
 * The oldest Node.js the gateway runs on: node:sqlite (the default store) is there from 22.12
 * without a flag. Checked before anything that needs it is loaded, so an older Node gets one
 * line saying so instead of a stack trace. (bin/claude-gateway.js repeats this check in plain
 * JavaScript, for the command run from a checkout.)
 */
export const MINIMUM_NODE = '22.12.0';

/** The line to print when `version` is too old, else undefined. */
export function unsupportedNode(version: string, executable: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [needMajor = 0, needMinor = 0] = MINIMUM_NODE.split('.').map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `claude-gateway needs Node.js ${MINIMUM_NODE} or newer (for node:sqlite); this is Node ${version} (${executable}). In a checkout, npm start and npx claude-gateway run the Node 24 that npm ci installs.`;
}
