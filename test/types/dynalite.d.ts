declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** Milliseconds a table takes to become ACTIVE (0 = at once). */
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    /** A LevelDB directory; in memory when absent. */
    readonly path?: string;
    readonly ssl?: boolean;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
