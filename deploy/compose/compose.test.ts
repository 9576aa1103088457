import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { FakeAnthropic } from '../../test/fakes/anthropic.ts';
import { eventually, startTestGateway, type TestGateway } from '../../test/helpers/gateway.ts';

/**
 * The compose stack (compose.yaml and deploy/compose/): parsed and its wiring checked, the
 * gateway's environment loaded by the gateway's own configuration loader, Prometheus's
 * configuration and alert rules checked by promtool (Debian package `prometheus`), and every
 * metric the dashboard and the rules query present on a real gateway's /metrics.
 *
 * Running the stack itself needs images from a registry (nginx, DynamoDB Local, Redis,
 * Prometheus, Grafana), which the build machine cannot reach: docs/deploy.md says what was run.
 */

const root = join(import.meta.dirname, '../..');
const folder = import.meta.dirname;

interface Service {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
  healthcheck?: unknown;
}

const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** Compose's variable substitution with the defaults (`${NAME:-default}`, `${NAME:?message}` from `given`). */
function substitute(value: string, given: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind: string | undefined, rest: string | undefined) => {
    if (given[name] !== undefined) return given[name];
    if (kind === '?') throw new Error(`${name} is required: ${rest ?? ''}`);
    return kind === '-' ? (rest ?? '') : '';
  });
}

function environmentOf(service: Service, given: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, substitute(String(value), given)]));
}

const promtool = spawnSync('promtool', ['--version']).status === 0;
const mustRun = process.env['CI'] === 'true';
if (!promtool) console.warn('compose.test.ts: promtool is missing (Debian: apt-get install prometheus; scripts/install-test-deps.sh): its checks are skipped');

function runPromtool(args: readonly string[], cwd = folder): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const dashboard = JSON.parse(readFileSync(join(folder, 'grafana/dashboards/claude-gateway.json'), 'utf8')) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
const dashboardExpressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));
const rules = parse(readFileSync(join(folder, 'prometheus/rules.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
const ruleExpressions = rules.groups.flatMap((group) => group.rules.map((rule) => ({ panel: `alert ${rule.alert}`, expr: rule.expr })));

/** The metric names a PromQL expression reads (gateway_* and up). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(gateway_\w+|up)\b(?=\s*[{[)\s=]|$)/g)].map((match) => match[1] as string);
}

describe('compose.yaml', () => {
  it('runs two gateway replicas from the Dockerfile, on DynamoDB and Redis, after the tables are set up', () => {
    expect(Object.keys(services).sort()).toEqual(['dynamodb', 'gateway', 'grafana', 'prometheus', 'proxy', 'redis', 'setup-tables']);
    const gateway = services['gateway'] as Service;
    expect(gateway.deploy?.replicas).toBe(2);
    expect(gateway.build?.context).toBe('.');
    expect(gateway.build?.args?.['BASE_IMAGE']).toBe('${BASE_IMAGE:-node:24-slim}');
    expect(gateway.depends_on).toEqual({ 'setup-tables': { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
    expect(Number.parseInt(gateway.stop_grace_period ?? '0', 10)).toBeGreaterThan(25);
    const setup = services['setup-tables'] as Service;
    expect(setup.command).toEqual(['setup-tables']);
    expect(setup.image).toBe(gateway.image);
    expect(setup.environment).toEqual(gateway.environment);
  });

  it('gives the gateway an environment its configuration loader accepts, naming the stack’s own services', () => {
    const gateway = services['gateway'] as Service;
    expect(() => environmentOf(gateway)).toThrow(/MASTER_API_KEY is required/);
    const environment = environmentOf(gateway, { MASTER_API_KEY: 'compose-master-key' });
    const config = loadConfig({ env: environment });
    expect(config.store.kind).toBe('dynamodb');
    expect(config.auth.mode).toBe('keys');
    const dynamo = new URL(config.store.dynamodb.endpoint ?? '');
    expect([dynamo.hostname, dynamo.port]).toEqual(['dynamodb', '8000']);
    expect(services['dynamodb']?.image).toMatch(/^amazon\/dynamodb-local:/);
    const redis = new URL(config.store.redis_url ?? '');
    expect([redis.hostname, redis.port]).toEqual(['redis', '6379']);
    expect(config.anthropic.api_key).toBeUndefined();
  });

  it('mounts only files that exist, and every named volume is declared', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (source.startsWith('./')) expect(existsSync(join(root, source)), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: ${source}`).toContain(source);
      }
    }
  });

  it('puts nginx in front of the replicas with unbuffered streams and a 600 s read timeout', () => {
    const nginx = readFileSync(join(folder, 'nginx/nginx.conf'), 'utf8');
    expect(nginx).toMatch(/server gateway:8080 resolve;/);
    expect(nginx).toMatch(/proxy_buffering off;/);
    expect(nginx).toMatch(/proxy_read_timeout 600s;/);
    expect(nginx).toMatch(/client_max_body_size 32m;/);
    expect(services['proxy']?.ports).toEqual(['${GATEWAY_PORT:-8080}:8080']);
  });

  it('has Prometheus scrape every replica’s /metrics and Grafana read Prometheus and the dashboard folder', () => {
    const prometheus = parse(readFileSync(join(folder, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; metrics_path: string; dns_sd_configs: { names: string[]; port: number }[] }[]; rule_files: string[] };
    const job = prometheus.scrape_configs.find((candidate) => candidate.job_name === 'claude-gateway');
    expect(job).toMatchObject({ metrics_path: '/metrics', dns_sd_configs: [{ names: ['gateway'], type: 'A', port: 8080 }] });
    expect(prometheus.rule_files).toEqual(['rules.yml']);
    const datasource = parse(readFileSync(join(folder, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string; url: string }[] };
    expect(datasource.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    const provider = parse(readFileSync(join(folder, 'grafana/provisioning/dashboards/claude-gateway.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(services['grafana']?.volumes).toContain(`./deploy/compose/grafana/dashboards:${provider.providers[0]?.options.path}:ro`);
  });
});

describe.runIf(promtool || mustRun)('promtool', () => {
  it('accepts the Prometheus configuration and the alert rules, and the rules pass their unit tests', () => {
    expect(promtool, 'promtool is required in CI').toBe(true);
    for (const args of [['check', 'config', 'prometheus/prometheus.yml'], ['check', 'rules', 'prometheus/rules.yml']]) {
      const result = runPromtool(args);
      expect(result.status, result.output).toBe(0);
    }
    const tested = runPromtool(['test', 'rules', 'rules.test.yml'], join(folder, 'prometheus'));
    expect(tested.status, tested.output).toBe(0);
  });

  it('parses every dashboard query (as recording rules)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'gateway-dashboard-'));
    try {
      const recording = dashboardExpressions.map((query, index) => `      - record: dashboard:query_${index}\n        expr: ${JSON.stringify(query.expr.replaceAll('$__rate_interval', '5m'))}`);
      writeFileSync(join(scratch, 'dashboard.yml'), `groups:\n  - name: dashboard\n    rules:\n${recording.join('\n')}\n`);
      const result = runPromtool(['check', 'rules', 'dashboard.yml'], scratch);
      expect(result.status, result.output).toBe(0);
      // The check can fail: a broken query is refused.
      writeFileSync(join(scratch, 'broken.yml'), 'groups:\n  - name: broken\n    rules:\n      - record: broken\n        expr: "sum(rate(gateway_requests_total[5m])"\n');
      expect(runPromtool(['check', 'rules', 'broken.yml'], scratch).status).not.toBe(0);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('the dashboard and the alert rules', () => {
  let gateway: TestGateway;
  let exposed: Set<string>;
  beforeAll(async () => {
    gateway = await startTestGateway({});
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    exposed = new Set(['up']);
    for (const match of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
      const [, name, kind] = match as unknown as [string, string, string];
      exposed.add(name);
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${name}${suffix}`);
    }
  });
  afterAll(async () => gateway.close());

  it('query only metrics the gateway’s /metrics exposes', () => {
    const unknown = [...dashboardExpressions, ...ruleExpressions].flatMap((query) => metricNames(query.expr).filter((name) => !exposed.has(name)).map((name) => `${query.panel}: ${name}`));
    expect(unknown).toEqual([]);
    for (const query of [...dashboardExpressions, ...ruleExpressions]) expect(metricNames(query.expr), query.panel).not.toEqual([]);
  });

  it('show requests, errors by code, fallbacks, latency and TTFB percentiles, tokens, cost, cooldowns, rejections and usage write lag', () => {
    const used = new Set(dashboardExpressions.flatMap((query) => metricNames(query.expr)));
    for (const name of ['gateway_requests_total', 'gateway_errors_total', 'gateway_fallbacks_total', 'gateway_request_duration_seconds_bucket', 'gateway_time_to_first_byte_seconds_bucket', 'gateway_tokens_total', 'gateway_cost_usd_total', 'gateway_cooldowns_active', 'gateway_rate_limit_rejections_total', 'gateway_usage_write_lag_seconds_bucket']) {
      expect(used, name).toContain(name);
    }
    expect(dashboard.uid).toBe('claude-gateway');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

const prometheusBinary = spawnSync('prometheus', ['--version']).status === 0;

describe.runIf(prometheusBinary || mustRun)('a real Prometheus (the stack’s configuration) scraping two gateways', () => {
  const gateways: TestGateway[] = [];
  let fake: FakeAnthropic;
  let prometheus: ChildProcess | undefined;
  let scratch = '';
  let api = '';

  async function query(expr: string): Promise<{ status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }> {
    return (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as never;
  }

  beforeAll(async () => {
    expect(prometheusBinary, 'prometheus (Debian package) is required in CI').toBe(true);
    fake = await FakeAnthropic.start();
    for (let index = 0; index < 2; index += 1) gateways.push(await startTestGateway({ ANTHROPIC_API_BASE: fake.url }));
    // The stack's prometheus.yml and rules.yml, with the replicas as static targets (no DNS here) and a 1 s interval.
    const config = parse(readFileSync(join(folder, 'prometheus/prometheus.yml'), 'utf8')) as { global: Record<string, string>; scrape_configs: Record<string, unknown>[] };
    config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
    const job = config.scrape_configs[0] as Record<string, unknown>;
    delete job['dns_sd_configs'];
    job['static_configs'] = [{ targets: gateways.map((gateway) => new URL(gateway.url).host) }];
    scratch = mkdtempSync(join(tmpdir(), 'gateway-prometheus-'));
    writeFileSync(join(scratch, 'prometheus.yml'), JSON.stringify(config));
    writeFileSync(join(scratch, 'rules.yml'), readFileSync(join(folder, 'prometheus/rules.yml')));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [`--config.file=${join(scratch, 'prometheus.yml')}`, `--storage.tsdb.path=${join(scratch, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    await eventually(async () => (await fetch(`${api}/-/ready`).then((response) => response.status, () => 0)) === 200, 30_000, 100);
    for (const gateway of gateways) {
      for (const stream of [false, true]) {
        const response = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-prometheus', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 10, stream, messages: [{ role: 'user', content: 'hi' }] }) });
        await response.text();
      }
    }
    await eventually(async () => Number((await query('sum(gateway_requests_total)')).data.result[0]?.value[1] ?? 0) >= 4, 30_000, 250);
    await eventually(async () => Number((await query('count(up{job="claude-gateway"} == 1)')).data.result[0]?.value[1] ?? 0) === 2, 30_000, 250);
  }, 90_000);

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await fake?.close();
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  it('evaluates every dashboard query without an error, and the request panels show the traffic', async () => {
    for (const { panel, expr } of dashboardExpressions) {
      const answer = await query(expr.replaceAll('$__rate_interval', '1m'));
      expect(answer.status, `${panel}: ${answer.error ?? ''}`).toBe('success');
    }
    expect((await query('count(up{job="claude-gateway"} == 1)')).data.result[0]?.value[1]).toBe('2');
    const byStatus = await query('sum by (route, status_class) (gateway_requests_total)');
    expect(byStatus.data.result.map((series) => [series.metric['route'], series.metric['status_class'], series.value[1]])).toContainEqual(['messages', '2xx', '4']);
    const tokens = await query('sum by (provider, kind) (gateway_tokens_total)');
    expect(tokens.data.result.map((series) => series.metric['provider'])).toContain('anthropic');
  });

  it('loads the alert rules and evaluates them without an error', async () => {
    await eventually(async () => {
      const rules = (await (await fetch(`${api}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
      const loaded = rules.data.groups.flatMap((group) => group.rules);
      return loaded.length === 6 && loaded.every((rule) => rule.health === 'ok');
    }, 15_000, 250);
  });
});
