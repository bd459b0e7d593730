/**
 * The decide (and api) role's side of the bus: a durable JetStream consumer that keeps this
 * process's in-memory online features current with the events the events role stored.
 *
 * Exactly-once in effect, from at-least-once delivery: every message carries `n`, the
 * customer's event count once the event is applied (bus.ts). With `have` the count in memory:
 *   n ≤ have      already counted (a redelivery, or an event the restored snapshot holds): skip;
 *   n = have + 1  the next event: apply;
 *   n > have + 1  events are missing here (published out of order, or lost with a crashed
 *                 events role): reload the customer's snapshot, which the events role wrote in
 *                 the same transaction as the events (src/serve/feature-store.ts), so it holds
 *                 at least n events.
 * A message is acknowledged only after it is applied, so killing this process loses nothing:
 * the restarted process restores every customer from the snapshots and the durable consumer
 * redelivers what it had not acknowledged — skipped or applied by the rule above. (Messages the
 * server handed to the dead process's last pull request count as "ack pending" and come back
 * after `ackWaitMs`.)
 *
 * A new durable consumer starts from `startMs` (a minute before this process restored its
 * features), so no event committed between the restore and the consumer's creation is missed.
 */
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from "nats";
import type { Store } from "../../store/store.ts";
import { applyEvent, emptyState, stateFromJSON, type CustomerStateJSON, type OnlineFeatures } from "../online-features.ts";
import { codec, type Bus, type EventMessage } from "./bus.ts";

export interface ConsumerStats {
  received: number;
  applied: number;
  /** Already counted (redelivered, or in the restored snapshot). */
  skipped: number;
  /** Customers reloaded from their snapshot after a gap. */
  reloaded: number;
  malformed: number;
  lastStreamSequence: number;
  /** Messages the server still holds for this consumer, as of the last one received. */
  pending: number;
}

export interface FeatureConsumerOptions {
  name: string;
  dataset: string;
  /** Where a new durable consumer starts (epoch ms). */
  startMs: number;
  /** Messages in flight per pull. Default 256. */
  batch?: number;
  /**
   * Redelivery delay of an unacknowledged message, and lifetime of a pull request. Default 5 s:
   * a killed process leaves a pull request the server keeps filling until it expires, and those
   * messages come back only after this wait — short, because a redelivery costs only a skip.
   */
  ackWaitMs?: number;
}

export class FeatureConsumer {
  readonly stats: ConsumerStats = { received: 0, applied: 0, skipped: 0, reloaded: 0, malformed: 0, lastStreamSequence: 0, pending: 0 };
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly bus: Bus,
    private readonly store: Store,
    private readonly features: OnlineFeatures,
    readonly options: FeatureConsumerOptions,
  ) {}

  /** Creates the durable consumer if needed and starts applying messages. */
  async start(): Promise<void> {
    const { jsm, js, options: busOptions } = this.bus;
    const subject = this.bus.eventsSubject(this.options.dataset);
    try {
      await jsm.consumers.info(busOptions.stream, this.options.name);
    } catch (error) {
      if (!/consumer not found/i.test((error as Error).message)) throw error;
      await jsm.consumers.add(busOptions.stream, {
        durable_name: this.options.name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(this.options.startMs).toISOString(),
        filter_subject: subject,
        max_ack_pending: 10_000,
        ack_wait: (this.options.ackWaitMs ?? 5000) * 1e6,
      });
    }
    const consumer = await js.consumers.get(busOptions.stream, this.options.name);
    this.#messages = await consumer.consume({ max_messages: this.options.batch ?? 256, expires: this.options.ackWaitMs ?? 5000 });
    const messages = this.#messages;
    this.#loop = (async () => {
      for await (const m of messages) {
        if (this.#stopped) break;
        await this.#handle(m);
      }
    })();
  }

  async #handle(m: JsMsg): Promise<void> {
    this.stats.received++;
    this.stats.lastStreamSequence = m.info.streamSequence;
    this.stats.pending = m.info.pending;
    let message: EventMessage;
    try {
      message = codec.decode(m.data) as EventMessage;
      if (message?.v !== 1 || typeof message.n !== "number" || typeof message.event?.customer_id !== "string") throw new Error("not a v1 event message");
    } catch {
      this.stats.malformed++;
      m.term(); // never redeliver what cannot be read
      return;
    }
    await this.apply(message);
    m.ack();
  }

  /** Applies one message by the rule in the module comment. */
  async apply(message: EventMessage): Promise<void> {
    const id = message.event.customer_id;
    const live = this.features.get(id);
    const have = live?.events ?? 0;
    if (message.n <= have) {
      this.stats.skipped++;
      return;
    }
    if (message.n === have + 1) {
      const state = live ?? emptyState();
      applyEvent(state, {
        customerId: id, sessionId: message.event.session_id, productId: message.event.product_id, eventType: message.event.event_type,
        offeredDiscount: message.event.offered_discount, occurredMs: message.event.occurred_ms,
      }, this.features.catalog);
      if (!live) this.features.set(id, state);
      this.stats.applied++;
      return;
    }
    const [row] = await this.store.query<{ state: string }>(
      "SELECT state FROM online_feature_snapshots WHERE dataset = $1 AND customer_id = $2",
      [message.dataset, id],
    );
    if (row) {
      const stored = stateFromJSON(JSON.parse(row.state) as CustomerStateJSON);
      if (stored.events > have) this.features.set(id, stored);
    }
    this.stats.reloaded++;
  }

  /** Stops pulling; messages not yet acknowledged are redelivered to the next process with this name. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#messages?.close();
    await this.#loop?.catch(() => undefined);
  }
}
