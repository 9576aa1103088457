import { encodeSseEvent } from './sse-encode.ts';

/**
 * Sends Anthropic `ping` events on a translated stream that has been silent for `intervalMs`
 * (Bedrock and OpenAI-compatible upstreams send none). Claude Code gives up on a stream after
 * 300 s of silence and load balancers after 60 s; reliability.md F8 asks for no gap over 15 s.
 * Call `activity()` whenever something is written, `stop()` when the stream ends.
 */

export const PING_EVENT = encodeSseEvent({ type: 'ping' });

export class IdlePinger {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly write: (text: string) => void;
  private readonly text: string;

  /** `text`: what is written at each silence (an Anthropic `ping` event unless given: an SSE comment for OpenAI clients). */
  constructor(intervalMs: number, write: (text: string) => void, text: string = PING_EVENT) {
    this.intervalMs = intervalMs;
    this.write = write;
    this.text = text;
    this.arm();
  }

  /** Something was written: the silence starts again now. */
  activity(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.write(this.text);
      this.arm();
    }, this.intervalMs);
    this.timer.unref();
  }
}
