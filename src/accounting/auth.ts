import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { credentialFingerprint } from '../routing/cooldown-keys.ts';
import { bearerToken, headerCarryingSecret, holdsSeveralCredentials, single, targetCarriesSecret } from '../request/credential-headers.ts';
import { budgetMonth, type AccountingStore, type ApiKeyRecord } from '../store/accounting.ts';
import { digestKey, digestsEqual, KEY_PREFIX, looksLikeGatewayKey, parseKey, secretsEqual } from './keys.ts';

/**
 * Who is calling. Three modes (configuration `auth.mode`):
 * - passthrough: no gateway keys. The client's own Anthropic credential goes upstream; the
 *   user is `/user/{id}`, the user header, or `default`; a fingerprint of the credential lets
 *   its holder read the usage it made.
 * - keys: a gateway key is required (the key header, `x-api-key`, or Bearer). It is removed
 *   before anything goes upstream, which then uses the gateway's own credentials.
 * - both: a gateway key in the key header; the client's own credential passes through, and is
 *   required (the gateway's own credentials are not a fallback in this mode).
 * The master key (`MASTER_API_KEY`) is an administrator in every mode. Secrets never leave: in
 * any mode a request whose forwarded headers still carry a gateway key (`sk-gw-`) or the master
 * key, in any header and any shape (raw, Bearer, Basic), or in its request target (path or
 * query string, percent-encoded or not), is refused, never forwarded; so is a request with a
 * credential header twice.
 */

export type Principal =
  | { readonly kind: 'admin'; readonly userId: string }
  | { readonly kind: 'key'; readonly userId: string; readonly key: ApiKeyRecord }
  | { readonly kind: 'anonymous'; readonly userId: string; readonly credentialId?: string };

export interface Authenticated {
  readonly principal: Principal;
  /** The request headers to send upstream: gateway keys removed (and, in keys mode, the client's credential). */
  readonly upstreamHeaders: IncomingHttpHeaders;
}

/** A user id, wherever one is named (`/user/{id}`, the user header, keys, usage queries). */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;

/**
 * Whom the master key's own calls are recorded under: a name outside USER_ID_PATTERN (`:` is
 * not allowed in user ids), so no key, path or header can name it and read that usage.
 */
export const MASTER_USER = ':admin';

/**
 * User ids no key may be created for, and no path may claim (any case): `admin`, the name the
 * master key's usage was recorded under before MASTER_USER (older records keep it), and
 * `default`, the passthrough user of every call that names none. A key for either would read
 * usage that is not its own.
 */
export const RESERVED_USER_IDS: readonly string[] = ['admin', 'default'];

/** Why `id` cannot be a user id (empty when it can). */
export function userIdProblem(id: string): string | undefined {
  if (!USER_ID_PATTERN.test(id)) return 'must be 1-128 characters of A-Z a-z 0-9 . _ @ + -';
  if (RESERVED_USER_IDS.includes(id.toLowerCase())) return `is reserved (${RESERVED_USER_IDS.join(', ')} cannot be user ids)`;
  return undefined;
}

/** The refusal of a `/user/{user_id}/` path whose id cannot name a user (isUserId). */
export function invalidPathUserId(): GatewayError {
  return new GatewayError('GW_INVALID_USER_ID', 'The user id in /user/{user_id}/ must be 1-128 characters of A-Z a-z 0-9 . _ @ + -, and not admin or default.');
}

/** Whether `id` may name a user: the pattern, and not reserved. */
export function isUserId(id: string): boolean {
  return userIdProblem(id) === undefined;
}

// Headers are read by the same rules that pick the upstream credential, so what is checked
// here is exactly what would be forwarded.
function bearer(headers: IncomingHttpHeaders): string | undefined {
  const authorization = single(headers.authorization);
  return authorization === undefined ? undefined : bearerToken(authorization);
}

/** The credential a client presents the way Anthropic clients do: `x-api-key`, then Bearer. */
export function presentedCredential(headers: IncomingHttpHeaders): string | undefined {
  return single(headers['x-api-key']) ?? bearer(headers);
}

interface CachedKey {
  readonly record: ApiKeyRecord;
  readonly until: number;
}

const MAX_CACHED_KEYS = 10_000;

export class Authenticator {
  readonly #config: GatewayConfig['auth'];
  readonly #store: AccountingStore;
  readonly #now: () => number;
  readonly #cache = new Map<string, CachedKey>();

  constructor(config: GatewayConfig['auth'], store: AccountingStore, now: () => number) {
    this.#config = config;
    this.#store = store;
    this.#now = now;
  }

  get mode(): GatewayConfig['auth']['mode'] {
    return this.#config.mode;
  }

  /**
   * Authenticates a call to the Anthropic API surface (`/v1/messages`, …) whose request target
   * (path and query, forwarded upstream) is `target`. Throws an Anthropic-shaped error when refused.
   */
  async api(headers: IncomingHttpHeaders, pathUserId: string | undefined, target = ''): Promise<Authenticated> {
    const authenticated = await this.#api(headers, pathUserId);
    const secrets = { keyPrefix: KEY_PREFIX, masterKey: this.#config.master_key };
    if (targetCarriesSecret(target, secrets)) {
      throw new GatewayError(
        'GW_SECRET_IN_URL',
        `The request target (path or query string) carries a gateway API key or the master key; it is never forwarded. Send a gateway key as x-api-key, Authorization: Bearer, or in ${this.#config.key_header}.`,
      );
    }
    const carrying = headerCarryingSecret(authenticated.upstreamHeaders, secrets);
    if (carrying !== undefined) {
      throw new GatewayError(
        'GW_SECRET_IN_HEADER',
        `The ${carrying} header carries a gateway API key or the master key where this gateway does not read one; it is never forwarded. Send a gateway key as x-api-key, Authorization: Bearer, or in ${this.#config.key_header}.`,
      );
    }
    return authenticated;
  }

  async #api(headers: IncomingHttpHeaders, pathUserId: string | undefined): Promise<Authenticated> {
    this.#refuseSeveralCredentials(headers);
    const keyHeader = single(headers[this.#config.key_header]);
    const presented = presentedCredential(headers);
    switch (this.#config.mode) {
      case 'passthrough': {
        if (this.#isMaster(presented) || this.#isMaster(keyHeader)) return this.#admin(headers, true);
        if ((presented !== undefined && looksLikeGatewayKey(presented)) || keyHeader !== undefined) {
          throw new GatewayError('GW_KEY_INVALID', 'Gateway API keys are not enabled on this gateway (auth mode passthrough); send your Anthropic credential.');
        }
        const userId = this.#passthroughUser(headers, pathUserId);
        const principal: Principal = { kind: 'anonymous', userId, ...(presented === undefined ? {} : { credentialId: credentialFingerprint(presented) }) };
        return { principal, upstreamHeaders: headers };
      }
      case 'keys': {
        const token = keyHeader ?? presented;
        if (token === undefined) throw new GatewayError('GW_KEY_REQUIRED', `A gateway API key is required: send it as x-api-key, Authorization: Bearer, or ${this.#config.key_header}.`);
        if (this.#isMaster(token)) return this.#admin(headers, true);
        const key = await this.verify(token);
        return { principal: { kind: 'key', userId: key.userId, key }, upstreamHeaders: this.#strip(headers, true) };
      }
      case 'both': {
        if (keyHeader === undefined) {
          if (this.#isMaster(presented)) return this.#admin(headers, true);
          throw new GatewayError('GW_KEY_REQUIRED', `A gateway API key is required in the ${this.#config.key_header} header (Claude Code: ANTHROPIC_CUSTOM_HEADERS="${this.#config.key_header}: sk-gw-…").`);
        }
        if (this.#isMaster(keyHeader)) return this.#admin(headers, false);
        const key = await this.verify(keyHeader);
        const upstreamHeaders = this.#strip(headers, false);
        // The client's own credential is what goes upstream in this mode: without one (or with
        // only a gateway key where it goes), the gateway's would be used silently, billing the
        // operator for a key holder's calls.
        if (single(upstreamHeaders['x-api-key']) === undefined && single(upstreamHeaders.authorization) === undefined) {
          throw new GatewayError(
            'GW_NO_CREDENTIAL',
            `This gateway runs in auth mode both: send your own Anthropic credential (x-api-key or Authorization: Bearer; a gateway key is not one) besides the gateway key in ${this.#config.key_header}.`,
          );
        }
        return { principal: { kind: 'key', userId: key.userId, key }, upstreamHeaders };
      }
    }
  }

  /**
   * Who reads usage or administers: the master key is an admin; a gateway key is its user; in
   * passthrough mode a client credential is an anonymous principal named by its fingerprint.
   * Undefined when nothing was presented.
   */
  async caller(headers: IncomingHttpHeaders, pathUserId?: string): Promise<Principal | undefined> {
    this.#refuseSeveralCredentials(headers);
    const keyHeader = single(headers[this.#config.key_header]);
    const presented = presentedCredential(headers);
    if (this.#isMaster(keyHeader) || this.#isMaster(presented)) return { kind: 'admin', userId: MASTER_USER };
    const token = keyHeader ?? (this.#config.mode === 'keys' && presented !== undefined && looksLikeGatewayKey(presented) ? presented : undefined);
    if (token !== undefined && this.#config.mode !== 'passthrough') {
      const key = await this.verify(token, { allowDisabled: true });
      return { kind: 'key', userId: key.userId, key };
    }
    if (this.#config.mode !== 'passthrough') return undefined;
    if (presented === undefined || looksLikeGatewayKey(presented)) return undefined;
    return { kind: 'anonymous', userId: this.#passthroughUser(headers, pathUserId), credentialId: credentialFingerprint(presented) };
  }

  /** The master key, or an error (admin routes). */
  requireAdmin(headers: IncomingHttpHeaders): void {
    this.#refuseSeveralCredentials(headers);
    if (this.#config.master_key === undefined) {
      throw new GatewayError('GW_ADMIN_REQUIRED', 'The admin API is off: set MASTER_API_KEY (auth.master_key) to use it.');
    }
    const keyHeader = single(headers[this.#config.key_header]);
    const presented = presentedCredential(headers);
    if (this.#isMaster(presented) || this.#isMaster(keyHeader)) return;
    if (presented === undefined && keyHeader === undefined) throw new GatewayError('GW_ADMIN_REQUIRED', 'This route needs the master key as x-api-key or Authorization: Bearer.');
    throw new GatewayError('GW_FORBIDDEN', 'This route needs the master key; the credential sent is not it.');
  }

  /**
   * The active key behind `token`, or an error: unknown, malformed or revoked keys are
   * `authentication_error`; a key disabled for its budget is re-enabled when its month is over.
   */
  async verify(token: string, options: { readonly allowDisabled?: boolean } = {}): Promise<ApiKeyRecord> {
    const parsed = parseKey(token);
    if (parsed === undefined) throw new GatewayError('GW_KEY_INVALID', 'Invalid gateway API key.');
    const now = this.#now();
    let record = this.#cached(parsed.id, now) ?? (await this.#load(parsed.id, now));
    if (record === undefined || !digestsEqual(record.digest, digestKey(token, this.#config.key_pepper))) {
      throw new GatewayError('GW_KEY_INVALID', 'Invalid gateway API key.');
    }
    if (record.status === 'revoked') throw new GatewayError('GW_KEY_INVALID', `The gateway API key ${record.prefix}… was revoked.`);
    // Made before user ids were reserved: such a key would read the master key's or everyone's usage.
    if (!isUserId(record.userId)) throw new GatewayError('GW_KEY_INVALID', `The gateway API key ${record.prefix}… belongs to a reserved user id; an administrator must create a new key.`);
    if (record.status === 'disabled' && record.disabledReason === 'budget_exceeded' && record.disabledMonth !== undefined && record.disabledMonth < budgetMonth(now)) {
      // A new month: the key's budget starts again.
      record = (await this.#store.updateKey(record.id, { status: 'active', disabledReason: null, disabledMonth: null }, now)) ?? record;
      this.#remember(record, now);
    }
    if (record.status === 'disabled' && options.allowDisabled !== true) {
      if (record.disabledReason === 'budget_exceeded') {
        throw new GatewayError('GW_BUDGET_EXHAUSTED', `The monthly budget of the gateway API key ${record.prefix}… is spent; it is disabled until the next month (UTC).`);
      }
      throw new GatewayError('GW_KEY_DISABLED', `The gateway API key ${record.prefix}… is disabled${record.disabledReason === undefined ? '' : ` (${record.disabledReason})`}.`);
    }
    return record;
  }

  /** Forgets a cached key (after it was revoked, disabled or changed through this instance). */
  invalidate(id: string): void {
    this.#cache.delete(id);
  }

  /** Passthrough: `/user/{id}`, else a valid user header, else `default`. */
  #passthroughUser(headers: IncomingHttpHeaders, pathUserId: string | undefined): string {
    const headerUser = single(headers[this.#config.user_header]);
    return pathUserId ?? (headerUser !== undefined && isUserId(headerUser) ? headerUser : 'default');
  }

  /** Two credential headers of one kind, or several credentials in one: refused (which one counts would be a guess). */
  #refuseSeveralCredentials(headers: IncomingHttpHeaders): void {
    const several: string | undefined = holdsSeveralCredentials('x-api-key', headers['x-api-key'])
      ? 'x-api-key'
      : holdsSeveralCredentials('authorization', headers.authorization)
        ? 'authorization'
        : holdsSeveralCredentials('key', headers[this.#config.key_header])
          ? this.#config.key_header
          : undefined;
    if (several !== undefined) throw new GatewayError('GW_DUPLICATE_CREDENTIAL', `The ${several} header holds more than one credential; send exactly one.`);
  }

  /**
   * Whether the client presented any credential this gateway reads (its own, a gateway key, the
   * master key): when none went upstream, the gateway took it and was to call with its own.
   */
  presentsCredential(headers: IncomingHttpHeaders): boolean {
    return presentedCredential(headers) !== undefined || headers[this.#config.key_header] !== undefined;
  }

  #isMaster(value: string | undefined): boolean {
    return value !== undefined && this.#config.master_key !== undefined && secretsEqual(value, this.#config.master_key);
  }

  #admin(headers: IncomingHttpHeaders, gatewayCredentials: boolean): Authenticated {
    return { principal: { kind: 'admin', userId: MASTER_USER }, upstreamHeaders: this.#strip(headers, gatewayCredentials) };
  }

  /** The headers without the gateway key header, without gateway-key-shaped credentials, and (for the gateway's own credentials) without the client's. */
  #strip(headers: IncomingHttpHeaders, clientCredential: boolean): IncomingHttpHeaders {
    const out: IncomingHttpHeaders = { ...headers };
    delete out[this.#config.key_header];
    const apiKey = single(out['x-api-key']);
    if (clientCredential || (apiKey !== undefined && (looksLikeGatewayKey(apiKey) || this.#isMaster(apiKey)))) delete out['x-api-key'];
    // A raw Authorization value (no `Bearer `) is forwarded as it is, so it is checked whole too.
    const token = bearer(out) ?? single(out.authorization);
    if (clientCredential || (token !== undefined && (looksLikeGatewayKey(token) || this.#isMaster(token)))) delete out.authorization;
    return out;
  }

  #cached(id: string, now: number): ApiKeyRecord | undefined {
    const entry = this.#cache.get(id);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.record;
    this.#cache.delete(id);
    return undefined;
  }

  async #load(id: string, now: number): Promise<ApiKeyRecord | undefined> {
    const record = await this.#store.getKey(id);
    if (record !== undefined && record.status === 'active') this.#remember(record, now);
    return record;
  }

  #remember(record: ApiKeyRecord, now: number): void {
    if (this.#config.key_cache_ms === 0) return;
    if (this.#cache.size >= MAX_CACHED_KEYS) this.#cache.clear();
    this.#cache.set(record.id, { record, until: now + this.#config.key_cache_ms });
  }
}
