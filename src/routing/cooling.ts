import type { Clock } from '../ids.ts';
import type { CooldownEntry, CooldownStore } from '../store/cooldowns.ts';
import { keysToCheck, keyToCool } from './cooldown-keys.ts';
import type { Target } from '../config/targets.ts';
import type { Trigger } from '../errors.ts';

/**
 * Reading and writing cooldowns for routing (docs/routing.md, "Cooldowns"). A failing store
 * counts as "not cooling" and is reported through `warn`: routing never stops for it.
 */

export interface CoolingContext {
  readonly cooldowns: CooldownStore;
  readonly clock: Clock;
  /** `routing.cooldown_ms` and `routing.rate_limit_cooldowns`. */
  readonly cooldownMs: number;
  readonly rateLimitCooldowns: boolean;
  /** The upstream credential's identity (cooldown-keys.ts). */
  readonly identity: string;
  /** Whether a target's provider calls with the client's credential (its 429s cool per credential). */
  readonly perCredential: (target: Target) => boolean;
  readonly warn: (message: string, error: unknown) => void;
}

export interface Candidate {
  readonly target: Target;
  readonly cooling: CooldownEntry | undefined;
}

/** Which targets cool for this request. */
export async function coolingState(targets: readonly Target[], context: CoolingContext): Promise<Candidate[]> {
  const now = context.clock.now();
  return Promise.all(
    targets.map(async (target) => {
      try {
        const entries = await Promise.all(keysToCheck(target, context.identity, context.perCredential(target)).map((key) => context.cooldowns.get(key, now)));
        const cooling = entries.filter((entry): entry is CooldownEntry => entry !== undefined).sort((left, right) => right.until - left.until)[0];
        return { target, cooling };
      } catch (error) {
        context.warn('cooldown store unavailable; trying the target', error);
        return { target, cooling: undefined };
      }
    }),
  );
}

/**
 * The targets to try: those not cooling; when every one cools, those cooling for other reasons
 * than a rate limit (a lone upstream that failed once must not be shut for minutes). Empty when
 * only rate-limited ones remain.
 */
export function usableCandidates(candidates: readonly Candidate[]): Candidate[] {
  const usable = candidates.filter((candidate) => candidate.cooling === undefined);
  return usable.length > 0 ? usable : candidates.filter((candidate) => candidate.cooling?.reason !== 'rate_limited');
}

/** Cools `target` after `trigger`, for the upstream's wait or `cooldownMs`. */
export async function cool(target: Target, trigger: Trigger, retryAfter: number | undefined, context: CoolingContext): Promise<void> {
  // RATE_LIMIT_TRACKING_ENABLED=false (seed 000): a 429 is not remembered.
  if (trigger === 'rate_limited' && !context.rateLimitCooldowns) return;
  const duration = retryAfter ?? context.cooldownMs;
  if (duration <= 0) return;
  const now = context.clock.now();
  const entry = { key: keyToCool(target, trigger, context.identity, context.perCredential(target)), until: now + duration, reason: trigger };
  try {
    await context.cooldowns.set(entry, now);
  } catch (error) {
    context.warn('cooldown store unavailable; cooldown not recorded', error);
  }
}
