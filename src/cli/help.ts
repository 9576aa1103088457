import { acceptedVariables, configFileVariable, environmentVariables } from '../config/env.ts';
import { version } from '../version.ts';

/** `claude-gateway --help`: generated from the environment-variable table, so it cannot drift. */
export function helpText(): string {
  const variables = environmentVariables
    .map((variable) => `  ${variable.name.padEnd(26)} ${variable.description}${variable.seeds === undefined ? '' : ` [seed ${variable.seeds}]`}`)
    .join('\n');
  const accepted = acceptedVariables.map((variable) => variable.name).join(', ');
  return `claude-gateway ${version}: an Anthropic API gateway.

Usage:
  npx claude-gateway [--config FILE] [--host HOST] [--port PORT]
  npx claude-gateway keys create -u USER -n NAME [-t TIER] [-r RPM] [--tpm TPM] [--budget USD]
  npx claude-gateway keys list | update KEY_ID … | revoke KEY_ID
  npx claude-gateway setup-tables
  npx claude-gateway service install | uninstall | start | stop | restart | status | logs | error-logs | update-token | print
  npx claude-gateway claude [ARGS…]      (also proxy-claude: Claude Code through the gateway, started if needed)
  npx claude-gateway --help | --version

In a checkout, after npm ci, the command is npx claude-gateway (npm start runs the server
from a build); where the package is installed globally it is plain claude-gateway.

Starts with zero configuration: listens on 127.0.0.1:8080 and forwards /v1/messages,
/v1/messages/count_tokens and /v1/models to the Anthropic API byte for byte, with the
client's own credential (x-api-key or Authorization: Bearer; OAuth tokens get their beta).

Point Claude Code at it:
  ANTHROPIC_BASE_URL=http://127.0.0.1:8080 claude
  ANTHROPIC_BASE_URL=http://127.0.0.1:8080/user/alice claude     (names the user)

Options:
  --config FILE   YAML configuration file (also ${configFileVariable}). Keys as in
                  docs/configuration.md, e.g.
                    server: { host: 0.0.0.0, port: 8080 }
                    anthropic: { base_url: https://api.anthropic.com }
  --host HOST     Listen address (overrides HOST).
  --port PORT     Listen port (overrides PORT).
  --help          This text.
  --version       The version.

Environment variables (they override the file; flags override them):
${variables}

Accepted from the seed projects without effect here (a start-up line says what replaces each):
  ${accepted}

Sources, lowest precedence first: defaults, file, environment, flags. Every invalid value
is reported with its path and source. GET /debug shows the effective configuration with
secrets redacted. SIGTERM drains: new requests are refused, in-flight ones may finish until
the drain deadline, then the rest end with an overloaded_error.`;
}
