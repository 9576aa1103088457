#!/usr/bin/env node
// `proxy-claude [args…]` (seed 003's wrapper name): the same as `claude-gateway claude [args…]`,
// which starts the gateway in the background if it is not answering and runs Claude Code
// against it (src/cli/claude.ts).
process.argv.splice(2, 0, 'claude');
await import('./claude-gateway.js');
