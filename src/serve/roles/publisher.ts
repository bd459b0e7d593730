/**
 * The events role's side of the bus: every batch of events, once committed to the database, is
 * published to JetStream — inside the event writer's mutex, so messages leave in commit order.
 * A publish is acknowledged by the server (stored in the stream) before the next one; when NATS
 * is unreachable the messages wait in a bounded in-memory queue and are retried, in order, every
 * `retryMs` — the HTTP answer does not wait for NATS, because the events are already durable in
 * the database, the source of truth. If the process dies with messages queued, nothing is lost
 * for decisions: a consumer that sees a customer's event count jump reloads that customer from
 * the stored snapshots (consumer.ts), and a restarted decide role restores from them.
 */
import type { CustomerState } from "../online-features.ts";
import type { IncomingEvent } from "../events.ts";
import { codec, type Bus, type EventMessage } from "./bus.ts";

export interface PublisherStats {
  published: number;
  queued: number;
  failures: number;
  dropped: number;
  lastError: string | undefined;
}

/** The bus messages of a committed batch: each event with the customer's event count after it. */
export function eventMessages(dataset: string, events: readonly IncomingEvent[], states: ReadonlyMap<string, CustomerState>): EventMessage[] {
  // The staged state holds the count after the whole batch; walk back to number each event.
  const perCustomer = new Map<string, number>();
  for (const e of events) if (e.customer_id) perCustomer.set(e.customer_id, (perCustomer.get(e.customer_id) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out: EventMessage[] = [];
  for (const e of events) {
    if (!e.customer_id) continue; // events without a customer change no online feature
    const state = states.get(e.customer_id);
    if (!state) continue;
    const k = (seen.get(e.customer_id) ?? 0) + 1;
    seen.set(e.customer_id, k);
    out.push({
      v: 1,
      dataset,
      n: state.events - perCustomer.get(e.customer_id)! + k,
      event: {
        event_id: e.event_id, session_id: e.session_id ?? null, customer_id: e.customer_id, product_id: e.product_id ?? null,
        event_type: e.event_type, occurred_ms: e.occurred_at.getTime(), offered_discount: e.offered_discount ?? null,
      },
    });
  }
  return out;
}

const PIPELINE = 256;

export class EventPublisher {
  readonly #queue: EventMessage[] = [];
  readonly #timer: NodeJS.Timeout;
  #draining: Promise<void> | undefined;
  /** False after a failed publish until one succeeds: then callers do not wait for NATS. */
  #healthy = true;
  readonly stats: PublisherStats = { published: 0, queued: 0, failures: 0, dropped: 0, lastError: undefined };

  constructor(
    private readonly bus: Bus,
    private readonly options: { capacity?: number; retryMs?: number; timeoutMs?: number } = {},
  ) {
    this.#timer = setInterval(() => void this.drain(), options.retryMs ?? 1000);
    this.#timer.unref();
  }

  /**
   * Queues the messages and publishes everything queued, in order. Resolves once they are stored
   * in the stream — or at once while NATS is failing (they stay queued for the retry timer), so
   * an outage of the bus never holds up the events' HTTP answers.
   */
  async publish(messages: readonly EventMessage[]): Promise<void> {
    const capacity = this.options.capacity ?? 1_000_000;
    for (const m of messages) {
      if (this.#queue.length >= capacity) {
        // Dropping the oldest is safe for decisions (see the module comment), unbounded memory is not.
        this.#queue.shift();
        this.stats.dropped++;
      }
      this.#queue.push(m);
    }
    this.stats.queued = this.#queue.length;
    if (this.#healthy) await this.drain();
    else void this.drain();
  }

  drain(): Promise<void> {
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
    return this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      // Pipelined: a chunk is sent at once on the one connection (so it arrives in order) and
      // acknowledged together. After a failure the chunk is kept from the first failed message;
      // any later ones that did get stored are de-duplicated by their message id when resent.
      const chunk = this.#queue.slice(0, PIPELINE);
      const results = await Promise.allSettled(chunk.map((m) =>
        this.bus.js.publish(this.bus.eventsSubject(m.dataset), codec.encode(m), {
          msgID: `${m.dataset}:${m.event.event_id}`,
          timeout: this.options.timeoutMs ?? 5000,
        })));
      const failed = results.findIndex((r) => r.status === "rejected");
      const sent = failed < 0 ? chunk.length : failed;
      this.#queue.splice(0, sent);
      this.stats.published += sent;
      this.stats.queued = this.#queue.length;
      if (failed >= 0) {
        this.stats.failures++;
        this.stats.lastError = String((results[failed] as PromiseRejectedResult).reason?.message ?? (results[failed] as PromiseRejectedResult).reason);
        this.#healthy = false;
        return; // retried by the timer
      }
      this.#healthy = true;
    }
  }

  /** Tries to send what is queued (for up to `timeoutMs`), then stops retrying. Returns how many were left. */
  async close(timeoutMs = 5000): Promise<number> {
    clearInterval(this.#timer);
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length > 0 && Date.now() < deadline) {
      await this.drain();
      if (this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return this.#queue.length;
  }
}
