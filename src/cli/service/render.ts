import type { ServiceDefinition } from './definition.ts';

/** The systemd user unit and the LaunchAgent plist, rendered from one ServiceDefinition (pure). */

/** One argument of ExecStart, quoted for systemd (which also expands `%` specifiers and `$` variables). */
function systemdArgument(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%').replaceAll('$', '$$')}"`;
}

export function renderSystemdUnit(definition: ServiceDefinition): string {
  return `# claude-gateway as a systemd user service, written by \`claude-gateway service install\`.
# Credentials and settings: ${definition.envFile} (mode 600, loaded by node --env-file), never this file.
[Unit]
Description=claude-gateway: Anthropic API gateway for Claude Code
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${definition.programArguments.map(systemdArgument).join(' ')}
WorkingDirectory=${definition.dataDirectory.replaceAll('%', '%%')}
Restart=on-failure
RestartSec=5
# SIGTERM drains (DRAIN_TIMEOUT_SECONDS), then the gateway exits 0; SIGKILL only after this.
KillSignal=SIGTERM
KillMode=mixed
TimeoutStopSec=${definition.stopTimeoutSeconds}
NoNewPrivileges=true

[Install]
WantedBy=default.target
`;
}

function xml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

export function renderLaunchAgent(definition: ServiceDefinition): string {
  const string = (value: string) => `<string>${xml(value)}</string>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- claude-gateway as a LaunchAgent, written by \`claude-gateway service install\`.
     Credentials and settings: ${xml(definition.envFile)} (mode 600, loaded by the env-file option of Node), never this file. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  ${string(definition.label)}
  <key>ProgramArguments</key>
  <array>
${definition.programArguments.map((argument) => `    ${string(argument)}`).join('\n')}
  </array>
  <key>WorkingDirectory</key>
  ${string(definition.dataDirectory)}
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>ExitTimeOut</key>
  <integer>${definition.stopTimeoutSeconds}</integer>
  <key>ProcessType</key>
  ${string('Background')}
  <key>StandardOutPath</key>
  ${string(definition.logFile)}
  <key>StandardErrorPath</key>
  ${string(definition.errorLogFile)}
</dict>
</plist>
`;
}

export function renderServiceFile(definition: ServiceDefinition): string {
  return definition.platform === 'darwin' ? renderLaunchAgent(definition) : renderSystemdUnit(definition);
}
