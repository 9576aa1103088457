import { createHash } from 'node:crypto';
import type { Target } from '../config/targets.ts';
import type { Trigger } from '../errors.ts';

/**
 * Cooldown keys (issue 4): a 429 cools one target for one upstream credential (a digest of the
 * credential that went upstream, the client's own or the gateway's: other credentials stay
 * usable; a `/user/{id}` is a claim, so renaming oneself escapes nothing); overload,
 * 5xx, timeouts and connection failures cool the target for everyone. A target is its provider
 * and upstream model (and region on Bedrock), so other models stay usable. Credentials are
 * never stored, only a truncated SHA-256.
 */

export function targetKey(target: Target): string {
  // A regional target (Bedrock) names its region (and endpoint) too: another region stays usable.
  const options = target.options as { readonly region?: unknown; readonly endpoint?: unknown } | undefined;
  if (typeof options?.region !== 'string') return `${target.provider}|${target.model}`;
  return `${target.provider}|${options.region}|${target.model}${typeof options.endpoint === 'string' ? `|${options.endpoint}` : ''}`;
}

// Digests of recent credentials: a client sends the same one on every request.
const digests = new Map<string, string>();
const MAX_DIGESTS = 1_000;

/** Truncated SHA-256 of an upstream credential: how cooldowns and usage records name it without storing it. */
export function credentialFingerprint(credential: string): string {
  let digest = digests.get(credential);
  if (digest === undefined) {
    digest = createHash('sha256').update(credential).digest('hex').slice(0, 24);
    if (digests.size >= MAX_DIGESTS) digests.clear();
    digests.set(credential, digest);
  }
  return digest;
}

/**
 * Whom a 429 cools: the upstream credential (`cred:<digest>`), or `anonymous` when none goes up.
 * Anthropic's rate limits belong to the credential's organisation, not to a user name the client
 * chose, so the user plays no part.
 */
export function identityOf(credential: string | undefined): string {
  return credential === undefined ? 'anonymous' : `cred:${credentialFingerprint(credential)}`;
}

/**
 * The keys a request checks before trying `target`. `perCredential`: the provider calls with the
 * client's credential (or its own in its place), so its rate limits are the credential's.
 */
export function keysToCheck(target: Target, identity: string, perCredential: boolean): string[] {
  const key = targetKey(target);
  return perCredential ? [key, `${key}|${identity}`] : [key];
}

/** The key a failure with `trigger` cools. A provider on the gateway's own credentials (Bedrock): per target. */
export function keyToCool(target: Target, trigger: Trigger, identity: string, perCredential: boolean): string {
  const key = targetKey(target);
  return trigger === 'rate_limited' && perCredential ? `${key}|${identity}` : key;
}
