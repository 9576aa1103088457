import { randomBase62 } from '../ids.ts';

/**
 * The ids Programmatic Tool Calling hands out (docs/ptc.md, "Ids"). A container and a code
 * execution (`server_tool_use`) get random ids; the `tool_use` id of each call the code makes is
 * derived from its execution's id, its batch and its place in the batch, so a resume on any
 * instance knows which calls a `tool_result` answers from the id alone, and a client that
 * re-sends an earlier batch (a retry) is recognised. Pure apart from the random source.
 */

export interface PtcIdSource {
  containerId(): string;
  serverToolUseId(): string;
}

export const randomPtcIds: PtcIdSource = {
  containerId: () => `container_gw${randomBase62(22)}`,
  serverToolUseId: () => `srvtoolu_gw${randomBase62(22)}`,
};

const SERVER_PREFIX = 'srvtoolu_';
const CALL_ID = /^toolu_ptc_([A-Za-z0-9]+)_(\d{1,6})_(\d{1,6})$/;

/** The `tool_use` id of call `index` of batch `batch` of execution `serverToolUseId`. */
export function codeCallId(serverToolUseId: string, batch: number, index: number): string {
  const execution = serverToolUseId.startsWith(SERVER_PREFIX) ? serverToolUseId.slice(SERVER_PREFIX.length) : serverToolUseId;
  return `toolu_ptc_${execution.replace(/[^A-Za-z0-9]/g, '')}_${batch}_${index}`;
}

export interface ParsedCallId {
  /** The execution's id without its `srvtoolu_` prefix (compare with `executionKey`). */
  readonly execution: string;
  readonly batch: number;
  readonly index: number;
}

/** The parts of an id `codeCallId` made, or undefined for any other id. */
export function parseCodeCallId(id: string): ParsedCallId | undefined {
  const match = CALL_ID.exec(id);
  if (match === null) return undefined;
  return { execution: match[1] as string, batch: Number(match[2]), index: Number(match[3]) };
}

/** What `parseCodeCallId` returns as `execution` for calls of this execution. */
export function executionKey(serverToolUseId: string): string {
  return (serverToolUseId.startsWith(SERVER_PREFIX) ? serverToolUseId.slice(SERVER_PREFIX.length) : serverToolUseId).replace(/[^A-Za-z0-9]/g, '');
}
