import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.ts';
import type { Provider } from './provider.ts';

/**
 * The providers a gateway can route to, by the name targets use. Routing asks it for a target's
 * provider and knows none by name; adding a provider is registering it here (docs/providers.md).
 */
export class ProviderRegistry {
  private readonly byName = new Map<string, Provider>();

  constructor(providers: readonly Provider[]) {
    for (const provider of providers) this.byName.set(provider.name, provider);
  }

  /** The provider named `name`; a target naming no registered provider is a gateway fault. */
  get(name: string): Provider {
    const provider = this.byName.get(name);
    if (provider === undefined) throw new GatewayError('GW_INTERNAL', `No provider named ${name} is registered.`);
    return provider;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The credential digest source for per-credential cooldowns: the first provider that sends a
   * credential taken from the client's headers says which (undefined: the gateway's own).
   */
  credentialFor(headers: IncomingHttpHeaders): string | undefined {
    for (const provider of this.byName.values()) {
      const credential = provider.credentialFor?.(headers);
      if (credential !== undefined) return credential;
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((provider) => provider.close()));
  }
}
