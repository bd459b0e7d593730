/**
 * The message bus between the service's roles: NATS with JetStream. One stream holds the live
 * events (subject `<prefix>.events.<dataset>`), kept for `maxAgeHours` and de-duplicated by
 * `<dataset>:<event_id>` within `duplicateWindowMs` (JetStream's Nats-Msg-Id), so a batch the
 * events role publishes twice (a retry after a lost acknowledgement) is stored once. Plain NATS
 * subject `<prefix>.control.models` tells the other roles that the active models changed.
 *
 * The message is JSON: the event as the events role stored it and `n`, the customer's event
 * count once the event is applied — what makes applying it idempotent (consumer.ts).
 */
import { connect, JSONCodec, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats";
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";

export const BusOptions = z.strictObject({
  /** NATS server(s), e.g. nats://127.0.0.1:4222. */
  url: z.string().min(1).default("nats://127.0.0.1:4222"),
  /** JetStream stream of the live events. */
  stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "stream names are letters, digits, _ and -").default("PATRON_EVENTS"),
  /** Subject prefix: events on <prefix>.events.<dataset>. */
  prefix: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "the prefix is letters, digits, _ and -").default("patron"),
  /** Durable consumer name of this process (decide and api roles); one per replica. */
  consumer: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "consumer names are letters, digits, _ and -").optional(),
  maxAgeHours: z.number().positive().default(24 * 7),
  duplicateWindowMs: z.number().int().positive().default(120_000),
  connectTimeoutMs: z.number().int().positive().default(5_000),
});
export type BusOptions = z.input<typeof BusOptions>;
type Options = z.infer<typeof BusOptions>;

export interface EventMessage {
  v: 1;
  dataset: string;
  /** The customer's event count once this event is applied (1 for their first). */
  n: number;
  event: {
    event_id: string;
    session_id: string | null;
    customer_id: string;
    product_id: string | null;
    event_type: "view" | "buy" | "return";
    occurred_ms: number;
    offered_discount: number | null;
  };
}

export const codec = JSONCodec<unknown>();

export interface Bus {
  readonly options: Options;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  eventsSubject(dataset: string): string;
  readonly modelsSubject: string;
  close(): Promise<void>;
}

/** Connects and makes sure the events stream exists (created, or its subjects and limits updated). */
export async function openBus(input: BusOptions = {}): Promise<Bus> {
  const options = BusOptions.parse(input);
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: options.url, timeout: options.connectTimeoutMs, name: "patron", maxReconnectAttempts: -1 });
  } catch (error) {
    throw new PatronError(
      "E_NATS",
      `cannot connect to NATS at ${options.url}: ${(error as Error).message}. Start nats-server with JetStream (nats-server -js) or point --nats-url at it.`,
    );
  }
  try {
    const jsm = await nc.jetstreamManager({ timeout: options.connectTimeoutMs });
    const config = {
      subjects: [`${options.prefix}.events.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: options.maxAgeHours * 3_600 * 1e9,
      duplicate_window: options.duplicateWindowMs * 1e6,
    };
    try {
      await jsm.streams.info(options.stream);
      await jsm.streams.update(options.stream, config);
    } catch (error) {
      if (!/stream not found/i.test((error as Error).message)) throw error;
      await jsm.streams.add({ name: options.stream, ...config });
    }
    return {
      options,
      nc,
      js: nc.jetstream(),
      jsm,
      eventsSubject: (dataset) => `${options.prefix}.events.${subjectToken(dataset)}`,
      modelsSubject: `${options.prefix}.control.models`,
      async close() {
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await nc.close().catch(() => undefined);
    if (/jetstream not enabled|503/i.test((error as Error).message)) {
      throw new PatronError("E_NATS", `NATS at ${options.url} has no JetStream; start nats-server with -js.`);
    }
    throw error;
  }
}

/** A dataset name as one subject token (no dots, spaces or wildcards). */
export function subjectToken(dataset: string): string {
  return dataset.replace(/[^A-Za-z0-9_-]/g, "_");
}
