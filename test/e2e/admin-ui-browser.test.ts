import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * The admin UI in a real browser (Debian's chromium, driven by playwright-core), as a team lead
 * uses it: log in with the master key, see the dashboard and the history fill from real requests
 * sent through the gateway to the fake Anthropic, create a key and use it with the Anthropic SDK,
 * lower its budget and see the next request refused, a read-only login that sees only its own
 * user, CSRF from another origin refused, cookie flags, logout. Screenshots go to docs/ui/ when
 * ADMIN_UI_SCREENSHOTS=1 (`ADMIN_UI_SCREENSHOTS=1 npx vitest run test/e2e/admin-ui-browser.test.ts`).
 */

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`admin UI browser tests skipped: ${CHROMIUM} is missing (install the Debian package chromium: scripts/install-test-deps.sh)`);

const MASTER = 'master-admin-ui-browser-test-2f9e';
const MODEL = 'claude-sonnet-5-5';
const XSS = '<img src=x onerror="window.__xss=1">"><script>window.__xss=2</script>';
const context = useGatewayWithFake({ AUTH_MODE: 'keys', MASTER_API_KEY: MASTER, ANTHROPIC_API_KEY: 'sk-ant-api03-GATEWAY-admin-ui', BEDROCK_ENABLED: 'false' });
const screenshots = process.env['ADMIN_UI_SCREENSHOTS'] === '1' ? join(import.meta.dirname, '../../docs/ui') : mkdtempSync(join(tmpdir(), 'admin-ui-shots-'));

/** A loaded 2-core machine may take seconds for a page and its first reads. */
const patience = { timeout: 15_000, interval: 100 };

let browser: Browser;
let admin: BrowserContext;
let page: Page;
/** Page errors and console errors: a CSP violation or a script failure fails the test. */
const problems: string[] = [];

function watch(target: Page): Page {
  target.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  target.on('console', (message) => {
    // Refusals the tests provoke (401 before login, 403 for CSRF) are logged as failed loads; anything else counts.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
  target.on('dialog', (dialog) => void dialog.accept());
  return target;
}

async function adminCall(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${context.gateway.url}${path}`, {
    method,
    headers: { 'x-api-key': MASTER, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function client(key: string): Anthropic {
  return new Anthropic({ apiKey: key, baseURL: context.gateway.url, maxRetries: 0 });
}

async function login(target: Page, key: string): Promise<void> {
  await target.goto(`${context.gateway.url}/admin`);
  await target.getByLabel(/master key or gateway API key/i).fill(key);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('button', { name: 'Log out' }).waitFor();
}

async function shot(target: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await target.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

describe.skipIf(!hasChromium)('admin UI in a browser', () => {
  let bobKey: string;
  let attacker: Server;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    admin = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = watch(await admin.newPage());
    // Traffic of another user, made before anyone logs in: bob's key, one answer and one failure.
    const created = await adminCall('POST', '/admin/keys', { user_id: 'bob', name: XSS, monthly_budget_usd: 50 });
    bobKey = created.json['key'] as string;
    await client(bobKey).messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    context.fake.enqueue({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    await expect(client(bobKey).messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'again' }] })).rejects.toThrow();
    await context.gateway.flushUsage();
    // A page on another origin of the same site (another port of 127.0.0.1) that tries to create a key.
    attacker = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<script>fetch(${JSON.stringify(`${context.gateway.url}/admin/keys`)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ user_id: 'mallory', name: 'csrf' }) }).finally(() => { document.title = 'sent'; });</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    if (process.env['ADMIN_UI_SCREENSHOTS'] !== '1') rmSync(screenshots, { recursive: true, force: true });
  });

  it('logs in with the master key into a session cookie (HttpOnly, SameSite=Strict, /admin, 8 hours)', async () => {
    const response = await page.goto(`${context.gateway.url}/admin`);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.getByLabel(/master key or gateway API key/i).fill('not-the-master-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('neither the master key');
    await login(page, MASTER);
    const [cookie] = await admin.cookies();
    expect(cookie).toMatchObject({ name: 'gw_admin_session', httpOnly: true, sameSite: 'Strict', path: '/admin', secure: false });
    expect((cookie?.expires ?? 0) * 1000 - Date.now()).toBeGreaterThan(7.9 * 3_600_000);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('');
  });

  it('shows real traffic on the dashboard, user names and key names as text', async () => {
    await page.goto(`${context.gateway.url}/admin#/dashboard`);
    const requests = page.locator('.stat', { hasText: 'Requests' }).locator('.value');
    await expect.poll(() => requests.textContent(), patience).toBe('2');
    await expect(page.locator('.stat', { hasText: 'Errors' }).locator('.value').textContent()).resolves.toBe('1');
    await expect(page.locator('.stat', { hasText: 'Success rate' }).locator('.value').textContent()).resolves.toBe('50%');
    const keys = page.locator('section.group', { hasText: 'Top keys by cost' });
    await expect(keys.textContent()).resolves.toContain(XSS);
    await expect(page.locator('section.group', { hasText: 'Errors by type' }).textContent()).resolves.toContain('overloaded_error');
    await expect(page.locator('.uplot').count()).resolves.toBe(3);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await shot(page, 'dashboard');
  });

  it('creates a key shown once, which then works with the Anthropic SDK; a lower budget refuses the next request', async () => {
    await page.goto(`${context.gateway.url}/admin#/keys`);
    await page.locator('summary', { hasText: 'Create a key' }).click();
    await page.getByLabel('User id').fill('alice');
    await page.getByLabel('Name', { exact: true }).fill('alice laptop');
    await page.getByLabel('Monthly budget (USD)').fill('5');
    await page.getByRole('button', { name: 'Create a key' }).click();
    const key = (await page.locator('#created-key').textContent()) ?? '';
    expect(key).toMatch(/^sk-gw-/);
    const message = await client(key).messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'from the new key' }] });
    expect(message.type).toBe('message');
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.locator('#created-key').count()).resolves.toBe(0);
    await shot(page, 'keys');

    const row = page.locator('tr', { hasText: 'alice laptop' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('tr.expanded');
    await form.getByLabel('Monthly budget (USD)').fill('0.000001');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.textContent(), patience).toContain('$0.000001');
    await expect(client(key).messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'over budget' }] })).rejects.toMatchObject({ status: 402 });
    await context.gateway.flushUsage();
  });

  it('pages and filters the history, opens a record, exports CSV', async () => {
    await page.goto(`${context.gateway.url}/admin#/history`);
    const rows = page.locator('table.requests tbody tr');
    await expect.poll(() => rows.count(), patience).toBe(3);
    await page.getByLabel('Outcome').selectOption('error');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count(), patience).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('overloaded_error');
    await rows.first().getByRole('button').click();
    await expect(page.locator('aside.detail').textContent()).resolves.toContain('529');
    await shot(page, 'history');
    const csv = await page.request.get(`${context.gateway.url}/admin/usage.csv?outcome=ok`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^started_at,request_id,/);
  });

  it('refuses a change without the CSRF token, and one from another origin of the same site', async () => {
    const before = ((await adminCall('GET', '/admin/keys')).json['data'] as unknown[]).length;
    const status = await page.evaluate(async () => (await fetch('/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'eve', name: 'no token' }) })).status);
    expect(status).toBe(403);
    const evil = await admin.newPage();
    await evil.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    await expect.poll(() => evil.title(), patience).toBe('sent');
    await evil.close();
    expect(((await adminCall('GET', '/admin/keys')).json['data'] as unknown[]).length).toBe(before);
  });

  it('a gateway key logs in read-only and sees only its own user', async () => {
    const viewer = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const mine = watch(await viewer.newPage());
    await login(mine, bobKey);
    await expect(mine.locator('.role').textContent()).resolves.toBe('Read-only: bob');
    await expect.poll(() => mine.locator('.stat', { hasText: 'Requests' }).locator('.value').textContent(), patience).toBe('2');
    await mine.goto(`${context.gateway.url}/admin#/keys`);
    await expect.poll(() => mine.locator('table.keys tbody tr').count(), patience).toBe(1);
    await expect(mine.getByRole('button', { name: 'Revoke' }).count()).resolves.toBe(0);
    const answers = await mine.evaluate(async () => {
      const get = async (path: string) => ({ status: (await fetch(path)).status, body: await (await fetch(path)).text() });
      return { usage: await get('/admin/usage?user_id=alice'), keys: await get('/admin/keys?user_id=alice'), create: (await fetch('/admin/keys', { method: 'POST' })).status };
    });
    expect(JSON.parse(answers.usage.body).data.every((record: { user_id: string }) => record.user_id === 'bob')).toBe(true);
    expect(JSON.parse(answers.keys.body).data).toEqual([]);
    expect(answers.create).toBe(403);
    // Chinese, chosen in the header, kept for the next visit.
    await mine.getByLabel('Language').selectOption('zh');
    await expect(mine.getByRole('link', { name: '仪表盘' }).count()).resolves.toBe(1);
    await mine.goto(`${context.gateway.url}/admin#/dashboard`);
    await expect.poll(() => mine.locator('.stat', { hasText: '请求数' }).locator('.value').textContent(), patience).toBe('2');
    await shot(mine, 'dashboard-zh-375px');
    await viewer.close();
  });

  it('shows prices per model, the chain each takes, and a cooldown an upstream 429 started', async () => {
    context.fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '120' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } });
    await expect(client(bobKey).messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'rate limited' }] })).rejects.toMatchObject({ status: 429 });
    await page.goto(`${context.gateway.url}/admin#/models`);
    await page.getByLabel('Find a model').fill('sonnet 4.5');
    const row = page.locator('table.models tbody tr', { hasText: 'claude-sonnet-4-5' }).first();
    await expect(row.textContent()).resolves.toContain('$3');
    await expect(row.textContent()).resolves.toContain('$15');
    await expect.poll(() => page.locator('section', { hasText: 'Cooldowns in force' }).textContent(), patience).toContain('rate_limited');
    await page.getByLabel('Find a model').fill('');
    await shot(page, 'models');
  });

  it('logs out: the session ends, and its cookie replayed is refused', async () => {
    const [cookie] = await admin.cookies();
    await page.goto(`${context.gateway.url}/admin#/dashboard`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const replay = await fetch(`${context.gateway.url}/admin/usage`, { headers: { cookie: `gw_admin_session=${cookie?.value}` } });
    expect(replay.status).toBe(401);
    expect(problems).toEqual([]);
  });
});
