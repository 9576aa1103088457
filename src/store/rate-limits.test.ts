import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynalite, type TestDynamo } from '../../test/helpers/dynalite.ts';
import { startRedisServer, type TestRedisServer } from '../../test/helpers/redis-server.ts';
import { DynamoRateLimiter } from './dynamodb/rate-limits.ts';
import { MemoryRateLimiter } from './memory/rate-limits.ts';
import type { RateDecision, RateLimiter, RateLimiterKind, RateLimits } from './rate-limits.ts';
import { RedisRateLimiter } from './redis/rate-limits.ts';
import { migrations, openSqlite } from './sqlite/database.ts';
import { SqliteRateLimiter } from './sqlite/rate-limits.ts';

/** A minute boundary, so DynamoDB's fixed windows start with each test. */
const now = 1_699_999_980_000;
const allowed: RateDecision = { allowed: true };
const refused = (limit: 'rpm' | 'tpm', retryAfterSeconds: number): RateDecision => ({ allowed: false, limit, retryAfterSeconds });

/** Fresh state for one test; every `open` is another limiter on that same state (another instance). */
interface Backend {
  open(): Promise<RateLimiter>;
  dispose(): Promise<void>;
}

interface Traits {
  /** Decides by the `now` passed in; Redis reads its server's clock instead. */
  readonly callerClock: boolean;
  /** Exact sliding windows, or DynamoDB's fixed minutes. */
  readonly window: 'sliding' | 'fixed';
  /** `retry-after` right after the window filled with tokens at `now` (bucket and weighting rules differ). */
  readonly fullTokenWindowRetry: readonly number[];
  /** Requests racing through two instances, and the rpm exactly that many are admitted under. */
  readonly race: { readonly requests: number; readonly rpm: number };
}

const oddKeys = ['key_AbC123', 'user:alice@example.com', 'a#req#1', '{braces}:req', 'glob*?[a-z]\\^', `quotes"'\`;--`, 'unicodé ✓ 😀', 'x'.repeat(512)];

async function admitMany(limiter: RateLimiter, key: string, limits: RateLimits, count: number, at = now): Promise<RateDecision[]> {
  const decisions: RateDecision[] = [];
  for (let index = 0; index < count; index++) decisions.push(await limiter.admit(key, limits, at));
  return decisions;
}

function describeRateLimiter(kind: RateLimiterKind, traits: Traits, createBackend: () => Promise<Backend>): void {
  const slidingByCaller = traits.callerClock && traits.window === 'sliding';

  describe(`${kind} rate limiter (shared suite)`, () => {
    let backend: Backend;
    let limiter: RateLimiter;
    beforeEach(async () => {
      backend = await createBackend();
      limiter = await backend.open();
    });
    afterEach(() => backend.dispose());

    it('says what it is and admits everything when there are no limits', async () => {
      expect(limiter.kind).toBe(kind);
      await limiter.recordTokens('free', 1_000_000_000, now);
      expect(await admitMany(limiter, 'free', {}, 200)).toEqual(Array(200).fill(allowed));
    });

    it('admits exactly rpm requests, then refuses until the oldest leaves the window', async () => {
      expect(await admitMany(limiter, 'k', { rpm: 5 }, 5)).toEqual(Array(5).fill(allowed));
      expect(await limiter.admit('k', { rpm: 5 }, now)).toEqual(refused('rpm', 60));
      expect(await limiter.admit('k', { rpm: 6 }, now)).toEqual(allowed);
    });

    it('refuses once the window holds tpm tokens; a request counts its tokens only once recorded', async () => {
      const limits = { tpm: 1_000 };
      expect(await limiter.admit('k', limits, now)).toEqual(allowed);
      await limiter.recordTokens('k', 999, now);
      expect(await limiter.admit('k', limits, now)).toEqual(allowed);
      await limiter.recordTokens('k', 0, now);
      await limiter.recordTokens('k', 1, now);
      const decision = await limiter.admit('k', limits, now);
      expect(decision).toMatchObject({ allowed: false, limit: 'tpm' });
      expect(traits.fullTokenWindowRetry).toContain(decision.allowed ? undefined : decision.retryAfterSeconds);
      expect(await limiter.admit('k', { tpm: 1_001 }, now)).toEqual(allowed);
    });

    it('keeps keys apart, whatever characters they hold', async () => {
      for (const key of oddKeys) expect(await admitMany(limiter, key, { rpm: 1 }, 2)).toEqual([allowed, refused('rpm', 60)]);
      await limiter.recordTokens('a#req#1', 500, now);
      expect(await limiter.admit('a', { tpm: 500 }, now)).toEqual(allowed);
      expect(await limiter.admit('a#req', { rpm: 1 }, now)).toEqual(allowed);
      expect(await limiter.admit('a#req#1', { tpm: 500 }, now)).toMatchObject({ allowed: false, limit: 'tpm' });
    });

    it(`admits exactly rpm of ${traits.race.requests} requests racing through two instances`, async () => {
      const { requests, rpm } = traits.race;
      const other = await backend.open();
      const decisions = await Promise.all(Array.from({ length: requests }, (_, index) => (index % 2 === 0 ? limiter : other).admit('race', { rpm }, now)));
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(rpm);
      expect(decisions.filter((decision) => !decision.allowed && decision.limit === 'rpm')).toHaveLength(requests - rpm);
      expect(await other.admit('race', { rpm: rpm + 1 }, now)).toEqual(allowed);
      expect(await limiter.admit('race', { rpm: rpm + 1 }, now)).toMatchObject({ allowed: false, limit: 'rpm' });
    });

    it.runIf(traits.callerClock)('does not count refused requests', async () => {
      expect(await admitMany(limiter, 'k', { rpm: 2 }, 2)).toEqual([allowed, allowed]);
      expect(await admitMany(limiter, 'k', { rpm: 2 }, 10, now + 30_000)).toEqual(Array(10).fill(refused('rpm', 30)));
      expect(await admitMany(limiter, 'k', { rpm: 2 }, 3, now + 60_000)).toEqual([allowed, allowed, refused('rpm', 60)]);
    });

    it.runIf(slidingByCaller)('slides the request window by the millisecond', async () => {
      const limits = { rpm: 2 };
      expect(await limiter.admit('k', limits, now)).toEqual(allowed);
      expect(await limiter.admit('k', limits, now + 30_000)).toEqual(allowed);
      expect(await limiter.admit('k', limits, now + 59_999)).toEqual(refused('rpm', 1));
      expect(await limiter.admit('k', limits, now + 60_000)).toEqual(allowed);
      expect(await limiter.admit('k', limits, now + 60_001)).toEqual(refused('rpm', 30));
      expect(await limiter.admit('k', limits, now + 90_000)).toEqual(allowed);
    });

    it.runIf(slidingByCaller)('slides the token window, a bucket leaving 60 s after its second started', async () => {
      const limits = { tpm: 1_000 };
      await limiter.recordTokens('k', 600, now + 999);
      await limiter.recordTokens('k', 400, now + 10_000);
      expect(await limiter.admit('k', limits, now + 20_000)).toEqual(refused('tpm', 40));
      expect(await limiter.admit('k', limits, now + 59_999)).toEqual(refused('tpm', 1));
      expect(await limiter.admit('k', limits, now + 60_000)).toEqual(allowed);
      await limiter.recordTokens('k', 700, now + 60_000);
      expect(await limiter.admit('k', limits, now + 60_500)).toEqual(refused('tpm', 10));
    });

    it.runIf(slidingByCaller)('names the limit that holds the longer wait when both refuse', async () => {
      const limits = { rpm: 1, tpm: 100 };
      expect(await limiter.admit('k', limits, now)).toEqual(allowed);
      await limiter.recordTokens('k', 100, now + 30_000);
      expect(await limiter.admit('k', limits, now + 40_000)).toEqual(refused('tpm', 50));
      expect(await limiter.admit('k', limits, now + 70_000)).toEqual(refused('tpm', 20));
      await limiter.recordTokens('j', 100, now);
      expect(await limiter.admit('j', { rpm: 1 }, now + 30_000)).toEqual(allowed);
      expect(await limiter.admit('j', limits, now + 40_000)).toEqual(refused('rpm', 50));
    });

    it.runIf(slidingByCaller)('agrees with a naive model over a long irregular sequence', async () => {
      const model = new NaiveModel();
      let state = 7;
      const random = (below: number): number => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) % below;
      let at = now;
      for (let step = 0; step < 600; step++) {
        at += random(4) === 0 ? random(30_000) : random(1_500);
        const limits = { rpm: 2 + random(3), tpm: random(3) === 0 ? undefined : 40 + random(40) };
        const decision = await limiter.admit('k', limits, at);
        expect(decision).toEqual(model.admit(limits, at));
        if (decision.allowed) {
          const tokens = random(25);
          await limiter.recordTokens('k', tokens, at);
          model.recordTokens(tokens, at);
        }
      }
      expect(model.refusals).toBeGreaterThan(100);
    });

    it('refuses limits, counts and times no backend could store faithfully', async () => {
      await expect(limiter.admit('k', { rpm: 0 }, now)).rejects.toThrow(new RangeError('rpm must be a positive integer, got 0'));
      await expect(limiter.admit('k', { tpm: 1.5 }, now)).rejects.toThrow(new RangeError('tpm must be a positive integer, got 1.5'));
      await expect(limiter.admit('k', { rpm: 1 }, Number.NaN)).rejects.toThrow(new TypeError('rate-limit now must be an integer epoch-ms time, got NaN'));
      await expect(limiter.admit('', { rpm: 1 }, now)).rejects.toThrow(new TypeError('rate-limit key must be a non-empty string'));
      await expect(limiter.recordTokens('k', -1, now)).rejects.toThrow(new RangeError('tokens must be a non-negative integer, got -1'));
    });

    it('rejects every operation after close, and a second close does nothing', async () => {
      await limiter.close();
      await limiter.close();
      const closed = `the ${kind} rate limiter is closed`;
      await expect(limiter.admit('k', { rpm: 1 }, now)).rejects.toThrow(closed);
      await expect(limiter.admit('k', {}, now)).rejects.toThrow(closed);
      await expect(limiter.recordTokens('k', 1, now)).rejects.toThrow(closed);
    });
  });
}

/**
 * The contract stated plainly: a limit holds at `t` while it would refuse at `t`, searched
 * millisecond by millisecond (binary search); tokens count from the start of their second.
 */
class NaiveModel {
  readonly #requests: number[] = [];
  readonly #tokens: Array<{ at: number; tokens: number }> = [];
  refusals = 0;

  admit(limits: RateLimits, at: number): RateDecision {
    const requestsFull = (time: number): boolean => limits.rpm !== undefined && this.#requests.filter((request) => request > time - 60_000).length >= limits.rpm;
    const tokensFull = (time: number): boolean =>
      limits.tpm !== undefined && this.#tokens.filter((entry) => entry.at > time - 60_000).reduce((sum, entry) => sum + entry.tokens, 0) >= limits.tpm;
    const waitFor = (full: (time: number) => boolean): number => {
      let [low, high] = [at, at + 60_000]; // full at `low` (checked), never full at `high`
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (full(middle)) low = middle;
        else high = middle;
      }
      return high - at;
    };
    const requestWait = requestsFull(at) ? waitFor(requestsFull) : 0;
    const tokenWait = tokensFull(at) ? waitFor(tokensFull) : 0;
    if (requestWait === 0 && tokenWait === 0) {
      if (limits.rpm !== undefined) this.#requests.push(at);
      return { allowed: true };
    }
    this.refusals++;
    const limit = tokenWait > requestWait ? 'tpm' : 'rpm';
    return { allowed: false, limit, retryAfterSeconds: Math.ceil(Math.max(requestWait, tokenWait) / 1_000) };
  }

  recordTokens(tokens: number, at: number): void {
    this.#tokens.push({ at: at - (at % 1_000), tokens });
  }
}

async function closeAll(limiters: readonly RateLimiter[]): Promise<void> {
  await Promise.all(limiters.map((limiter) => limiter.close()));
}

function temporaryDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'claude-gateway-rate-limits-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const race = { requests: 1_000, rpm: 300 };
const slidingTraits: Traits = { callerClock: true, window: 'sliding', fullTokenWindowRetry: [60], race };

describeRateLimiter('memory', slidingTraits, async () => {
  // One process's memory: there is no second instance on the same state, so `open` returns the one limiter.
  const limiter = new MemoryRateLimiter();
  return { open: async () => limiter, dispose: () => limiter.close() };
});

describe('memory rate limiter', () => {
  it('keeps at most maxKeys keys, forgetting the least recently used', async () => {
    const limiter = new MemoryRateLimiter({ maxKeys: 2 });
    for (const key of ['a', 'b']) await limiter.admit(key, { rpm: 1 }, now);
    expect(await limiter.admit('a', { rpm: 1 }, now)).toEqual(refused('rpm', 60));
    await limiter.admit('c', { rpm: 1 }, now);
    expect(limiter.size).toBe(2);
    expect(await limiter.admit('a', { rpm: 1 }, now)).toEqual(refused('rpm', 60));
    expect(await limiter.admit('b', { rpm: 1 }, now)).toEqual(allowed);
  });

  it('sweeps keys whose windows are empty', async () => {
    const limiter = new MemoryRateLimiter({ pruneIntervalMs: 30_000 });
    await limiter.admit('old', { rpm: 1 }, now);
    await limiter.recordTokens('tokens', 10, now + 10_000);
    await limiter.admit('new', { rpm: 1 }, now + 65_000);
    expect(limiter.size).toBe(2);
    await limiter.admit('new', { rpm: 1 }, now + 95_000);
    expect(limiter.size).toBe(1);
  });
});

describeRateLimiter('sqlite', slidingTraits, async () => {
  const directory = temporaryDirectory();
  const limiters: RateLimiter[] = [];
  return {
    open: async () => {
      limiters.push(SqliteRateLimiter.open(join(directory.path, 'gateway.db')));
      return limiters.at(-1) as RateLimiter;
    },
    dispose: async () => {
      await closeAll(limiters);
      directory.remove();
    },
  };
});

/** A worker thread with its own connection to `path`: admits `count` requests when told to go. */
const raceWorker = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(async ({ SqliteRateLimiter }) => {
  const limiter = SqliteRateLimiter.open(workerData.path);
  const start = new Int32Array(workerData.start);
  parentPort.postMessage('ready');
  Atomics.wait(start, 0, 0);
  const counts = { admitted: 0, refused: 0 };
  for (let index = 0; index < workerData.count; index++) {
    const decision = await limiter.admit('race', { rpm: 300 }, workerData.now);
    if (decision.allowed) counts.admitted++;
    else if (decision.limit === 'rpm') counts.refused++;
  }
  await limiter.close();
  parentPort.postMessage(counts);
});
`;

describe('sqlite rate limiter', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  beforeEach(() => void (directory = temporaryDirectory()));
  afterEach(() => directory.remove());

  it('admits exactly rpm of 1,000 requests from two threads racing on one file', async () => {
    const path = join(directory.path, 'gateway.db');
    await SqliteRateLimiter.open(path).close(); // migrate first, so the workers race on admissions only
    const module = new URL('./sqlite/rate-limits.ts', import.meta.url).href;
    const start = new SharedArrayBuffer(4);
    const workers = [0, 1].map(() => new Worker(raceWorker, { eval: true, workerData: { module, path, count: 500, now, start } }));
    const nextMessage = (worker: Worker): Promise<unknown> => new Promise((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
    expect(await Promise.all(workers.map(nextMessage))).toEqual(['ready', 'ready']);
    const results = workers.map(nextMessage);
    // Both threads wait on one flag, so they start together and contend for the write lock.
    Atomics.store(new Int32Array(start), 0, 1);
    Atomics.notify(new Int32Array(start), 0);
    // Which thread wins how many depends on the lock (SQLite's busy wait is not fair); the sum may not.
    const counts = (await Promise.all(results)) as Array<{ admitted: number; refused: number }>;
    expect(counts.map(({ admitted, refused }) => admitted + refused)).toEqual([500, 500]);
    expect(counts.reduce((sum, { admitted }) => sum + admitted, 0)).toBe(300);
    await Promise.all(workers.map((worker) => worker.terminate()));
  });

  it('writes the tokens and decisions of one turn together, each decision counting what came before it', async () => {
    const path = join(directory.path, 'gateway.db');
    const [first, second] = [SqliteRateLimiter.open(path), SqliteRateLimiter.open(path)];
    const written = [first.recordTokens('k', 30, now), first.recordTokens('k', 15, now + 1_500)];
    // Queued in the same turn, after the tokens: 45 tokens in the window, under 40 when the first
    // bucket leaves, 58 s on.
    const decision = first.admit('k', { tpm: 40 }, now + 2_000);
    expect(await decision).toEqual(refused('tpm', 58));
    await Promise.all(written);
    expect(await second.admit('k', { tpm: 40 }, now + 2_000)).toEqual(refused('tpm', 58));
    const database = openSqlite(path, { backgroundCheckpoints: false });
    expect(database.prepare('SELECT at, amount FROM rate_limit_tokens ORDER BY at').all().map((row) => ({ ...row }))).toEqual([
      { at: now, amount: 30 },
      { at: now + 1_000, amount: 15 },
    ]);
    database.close();
    await Promise.all([first.close(), second.close()]);
  });

  it('carries the windows of a file written before migration 6 over to its tables', async () => {
    const path = join(directory.path, 'gateway.db');
    const before = openSqlite(path, { migrations: migrations.slice(0, 5), backgroundCheckpoints: false });
    const insert = before.prepare('INSERT INTO rate_limit_events (key, kind, at, amount) VALUES (?, ?, ?, ?)');
    for (const [key, kind, at, amount] of [['a', 'request', now, 1], ['a', 'request', now, 1], ['a', 'request', now + 5, 1], ['a', 'tokens', now, 40], ['b', 'tokens', now, 2]] as const) insert.run(key, kind, at, amount);
    before.prepare('INSERT INTO rate_limit_counts (key, requests) VALUES (?, ?)').run('a', 3);
    before.close();
    const limiter = SqliteRateLimiter.open(path);
    // Three requests in the window: a fourth is refused until the first two leave it.
    expect(await limiter.admit('a', { rpm: 3 }, now + 1_000)).toEqual(refused('rpm', 59));
    expect(await limiter.admit('a', { tpm: 40 }, now + 1_000)).toEqual(refused('tpm', 59));
    expect(await limiter.admit('b', { tpm: 40 }, now + 1_000)).toEqual({ allowed: true });
    await limiter.close();
  });

  it('keeps windows across reopen and deletes the events of keys no longer used', async () => {
    const path = join(directory.path, 'gateway.db');
    const first = SqliteRateLimiter.open(path);
    await first.admit('old', { rpm: 1 }, now);
    await first.recordTokens('old', 10, now);
    await first.close();
    const second = SqliteRateLimiter.open(path, { pruneIntervalMs: 0 });
    expect(await second.admit('old', { rpm: 1 }, now + 1_000)).toEqual(refused('rpm', 59));
    await second.admit('new', { rpm: 1 }, now + 60_000);
    await second.close();
    const database = openSqlite(path);
    expect(database.prepare('SELECT key, at, requests FROM rate_limit_requests ORDER BY key').all()).toEqual([{ key: 'new', at: now + 60_000, requests: 1 }]);
    expect(database.prepare('SELECT key, at, amount FROM rate_limit_tokens').all()).toEqual([]);
    database.close();
  });
});

describe('redis', () => {
  let server: TestRedisServer;
  let raw: ReturnType<typeof createClient>;
  let prefixes = 0;
  beforeAll(async () => {
    server = await startRedisServer();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.close();
    await server?.stop();
  });
  const nextPrefix = (): string => `gw-test-${++prefixes}:`;

  // Redis decides by its own clock: the window started a few milliseconds before the test's checks.
  describeRateLimiter('redis', { callerClock: false, window: 'sliding', fullTokenWindowRetry: [59, 60], race }, async () => {
    const prefix = nextPrefix();
    const limiters: RateLimiter[] = [];
    return {
      open: async () => {
        // A generous command deadline: 1,000 racing scripts on a loaded machine are not a hung Redis (its own tests cover the deadline).
        limiters.push(await RedisRateLimiter.connect(server.url, { prefix, commandTimeoutMs: 10_000 }));
        return limiters.at(-1) as RateLimiter;
      },
      dispose: () => closeAll(limiters),
    };
  });

  describe('redis rate limiter', () => {
    it('slides both windows by the server clock, whatever now the caller passes', async () => {
      const limiter = await RedisRateLimiter.connect(server.url, { prefix: nextPrefix(), windowMs: 1_000 });
      expect(await limiter.admit('k', { rpm: 2 }, 0)).toEqual(allowed);
      expect(await limiter.admit('k', { rpm: 2 }, now + 3_600_000)).toEqual(allowed);
      expect(await limiter.admit('k', { rpm: 2 }, now + 7_200_000)).toEqual(refused('rpm', 1));
      await limiter.recordTokens('t', 100, 0);
      expect(await limiter.admit('t', { tpm: 100 }, now + 3_600_000)).toEqual(refused('tpm', 1));
      await sleep(1_100);
      expect(await admitMany(limiter, 'k', { rpm: 2 }, 3)).toEqual([allowed, allowed, refused('rpm', 1)]);
      expect(await limiter.admit('t', { tpm: 100 }, now)).toEqual(allowed);
      await limiter.close();
    });

    it('keeps each key in two hash-tagged Redis keys that expire, and logs only admitted requests', async () => {
      const prefix = nextPrefix();
      const limiter = await RedisRateLimiter.connect(server.url, { prefix });
      expect(limiter.redisKeys('user:a')).toEqual({ requests: `${prefix}rl:{user:a}:req`, tokens: `${prefix}rl:{user:a}:tok` });
      expect(await admitMany(limiter, 'user:a', { rpm: 2 }, 6)).toEqual([allowed, allowed, ...Array(4).fill(refused('rpm', 60))]);
      await limiter.recordTokens('user:a', 30, now);
      await limiter.recordTokens('user:a', 12, now);
      expect(await raw.zCard(`${prefix}rl:{user:a}:req`)).toBe(2);
      expect(Object.values(await raw.hGetAll(`${prefix}rl:{user:a}:tok`)).map(Number).reduce((sum, tokens) => sum + tokens, 0)).toBe(42);
      for (const key of [`${prefix}rl:{user:a}:req`, `${prefix}rl:{user:a}:tok`]) {
        const remaining = await raw.pTTL(key);
        expect(remaining > 55_000 && remaining <= 60_000).toBe(true);
      }
      await limiter.admit('free', {}, now);
      expect(await raw.keys(`${prefix}rl:{free}*`)).toEqual([]);
      await limiter.close();
    });

    it('loads its script again when the server lost it', async () => {
      const limiter = await RedisRateLimiter.connect(server.url, { prefix: nextPrefix() });
      expect(await limiter.admit('k', { rpm: 2 }, now)).toEqual(allowed);
      await raw.scriptFlush();
      expect(await admitMany(limiter, 'k', { rpm: 2 }, 2)).toEqual([allowed, refused('rpm', 60)]);
      await limiter.close();
    });

    it('fails to connect with a clear error when nothing listens', async () => {
      const gone = await startRedisServer();
      await gone.stop();
      await expect(RedisRateLimiter.connect(gone.url, { connectTimeoutMs: 1_000 })).rejects.toThrow(`cannot connect to Redis at ${gone.url}`);
    });

    it('rejects within its deadline when the server hangs or goes away', async () => {
      const own = await startRedisServer();
      const errors: Error[] = [];
      const limiter = await RedisRateLimiter.connect(own.url, { commandTimeoutMs: 200, onError: (error) => errors.push(error) });
      const withinOneSecond = <T>(promise: Promise<T>): Promise<T | 'still waiting'> =>
        Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 1_000))]);
      try {
        expect(await limiter.admit('k', { rpm: 5 }, now)).toEqual(allowed);
        process.kill(own.pid, 'SIGSTOP');
        try {
          await expect(withinOneSecond(limiter.admit('k', { rpm: 5 }, now))).rejects.toThrow('Redis did not answer within 200 ms');
          await expect(withinOneSecond(limiter.recordTokens('k', 10, now))).rejects.toThrow('Redis did not answer within 200 ms');
        } finally {
          process.kill(own.pid, 'SIGCONT');
        }
        // The abandoned admission still landed: two of five are taken.
        expect(await admitMany(limiter, 'k', { rpm: 5 }, 4)).toEqual([allowed, allowed, allowed, refused('rpm', 60)]);
        await own.stop();
        await expect(withinOneSecond(limiter.admit('k', { rpm: 5 }, now))).rejects.toThrow();
        await expect(withinOneSecond(limiter.recordTokens('k', 1, now))).rejects.toThrow();
        expect(errors.length).toBeGreaterThan(0);
      } finally {
        await limiter.close();
        await own.stop();
      }
    });
  });
});

describe('dynamodb', () => {
  let dynamo: TestDynamo;
  let client: DynamoDBClient;
  let tables = 0;
  beforeAll(async () => {
    dynamo = await startDynalite();
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: dynamo.region, credentials: dynamo.credentials });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  /** A new table with the key schema `setupTables` creates for `<prefix>rate-limits`. */
  async function createTable(): Promise<string> {
    const tableName = `rate-limits-${++tables}`;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    while ((await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus !== 'ACTIVE') await sleep(5);
    return tableName;
  }

  // Fixed minutes: the sliding-window cases do not apply (their fixed-window counterparts are below);
  // a full minute of tokens at its start weighs fully for one more millisecond into the next minute.
  // dynalite answers in 2–4 ms, so the race is smaller; its exactness is the conditional update's.
  const dynamoTraits: Traits = { callerClock: true, window: 'fixed', fullTokenWindowRetry: [61], race: { requests: 250, rpm: 75 } };
  describeRateLimiter('dynamodb', dynamoTraits, async () => {
    const tableName = await createTable();
    const limiters: RateLimiter[] = [];
    return {
      open: async () => {
        limiters.push(new DynamoRateLimiter(client, { tableName, requestTimeoutMs: 10_000 }));
        return limiters.at(-1) as RateLimiter;
      },
      dispose: () => closeAll(limiters),
    };
  });

  describe('dynamodb rate limiter', () => {
    let limiter: DynamoRateLimiter;
    let tableName: string;
    beforeEach(async () => {
      tableName = await createTable();
      limiter = new DynamoRateLimiter(client, { tableName });
    });
    afterEach(() => limiter.close());

    it('counts requests in fixed minutes: up to 2 × rpm pass around a boundary', async () => {
      const limits = { rpm: 2 };
      expect(await admitMany(limiter, 'k', limits, 2, now + 58_000)).toEqual([allowed, allowed]);
      expect(await limiter.admit('k', limits, now + 59_000)).toEqual(refused('rpm', 1));
      expect(await admitMany(limiter, 'k', limits, 3, now + 60_000)).toEqual([allowed, allowed, refused('rpm', 60)]);
      expect(await limiter.admit('k', limits, now + 61_000)).toEqual(refused('rpm', 59));
    });

    it('stores one counter per key and minute, refused requests not counted, expiring after the next minute', async () => {
      await admitMany(limiter, 'user:a', { rpm: 2 }, 5, now + 1_000);
      await limiter.recordTokens('user:a', 30, now + 2_000);
      await limiter.recordTokens('user:a', 12, now + 3_000);
      const minute = now / 60_000;
      const item = async (key: string): Promise<unknown> => (await client.send(new GetItemCommand({ TableName: tableName, Key: { key: { S: key } } }))).Item;
      const expiresAt = { N: String((minute + 2) * 60) };
      expect(await item(`user:a#req#${minute}`)).toEqual({ key: { S: `user:a#req#${minute}` }, n: { N: '2' }, expires_at: expiresAt });
      expect(await item(`user:a#tok#${minute}`)).toEqual({ key: { S: `user:a#tok#${minute}` }, n: { N: '42' }, expires_at: expiresAt });
    });

    it('weighs the previous minute tokens by the share of it still in a sliding 60 s', async () => {
      const limits = { tpm: 1_000 };
      await limiter.recordTokens('k', 900, now + 30_000);
      expect(await limiter.admit('k', limits, now + 60_000)).toEqual(allowed);
      await limiter.recordTokens('k', 400, now + 60_000);
      // 400 + 900 × (60 − e) / 60 drops below 1,000 once e > 20 s into the minute.
      expect(await limiter.admit('k', limits, now + 60_000)).toEqual(refused('tpm', 21));
      expect(await limiter.admit('k', limits, now + 80_000)).toEqual(refused('tpm', 1));
      expect(await limiter.admit('k', limits, now + 80_001)).toEqual(allowed);
    });

    it('names the limit that holds the longer wait when both refuse', async () => {
      await limiter.recordTokens('k', 100, now);
      expect(await limiter.admit('k', { rpm: 1, tpm: 1_000 }, now)).toEqual(allowed);
      expect(await limiter.admit('k', { rpm: 1, tpm: 100 }, now + 30_000)).toEqual(refused('tpm', 31));
      await limiter.recordTokens('j', 60, now);
      expect(await limiter.admit('j', { rpm: 1, tpm: 100 }, now + 60_000)).toEqual(allowed);
      await limiter.recordTokens('j', 50, now + 60_000);
      expect(await limiter.admit('j', { rpm: 1, tpm: 100 }, now + 60_000)).toEqual(refused('rpm', 60));
    });

    it('rejects within its deadline when DynamoDB does not answer', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const hung = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: dynamo.region, credentials: dynamo.credentials, maxAttempts: 1 });
      const stuck = new DynamoRateLimiter(hung, { tableName, requestTimeoutMs: 200, ownsClient: true });
      const started = performance.now();
      try {
        await expect(stuck.admit('k', { rpm: 1 }, now)).rejects.toThrow();
        expect(performance.now() - started).toBeLessThan(1_500);
      } finally {
        await stuck.close();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });
  });
});
