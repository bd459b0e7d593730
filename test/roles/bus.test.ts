/**
 * The NATS plumbing against the real server: events published after their commit reach a
 * durable consumer that rebuilds exactly the writer's online features; a republished event is
 * stored once; a consumer restarted under the same name resumes where it stopped; a count that
 * jumps reloads the customer's stored snapshot; a count already held is skipped.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LiveCatalog } from "../../src/serve/catalog.ts";
import type { IncomingEvent } from "../../src/serve/events.ts";
import { persistStates } from "../../src/serve/feature-store.ts";
import { migrate } from "../../src/serve/migrations.ts";
import { OnlineFeatures, stateToJSON } from "../../src/serve/online-features.ts";
import { openBus, type Bus } from "../../src/serve/roles/bus.ts";
import { FeatureConsumer } from "../../src/serve/roles/consumer.ts";
import { EventPublisher, eventMessages } from "../../src/serve/roles/publisher.ts";
import { duckdbTestStore, type TestStore } from "../helpers/stores.ts";
import { deleteStream, NATS_URL, natsSkipReason, uniqueBusNames } from "./nats.ts";

const skip = await natsSkipReason();
const DATASET = "bus-test";

function catalog(): LiveCatalog {
  const c = new LiveCatalog();
  c.replace(new Map([["p1", { category: "a", price: 10 }], ["p2", { category: "a", price: 20 }], ["p3", { category: "b", price: 30 }]]));
  return c;
}

let counter = 0;
function batch(customers: string[], perCustomer: number): IncomingEvent[] {
  const out: IncomingEvent[] = [];
  for (const c of customers) {
    for (let k = 0; k < perCustomer; k++) {
      counter++;
      out.push({
        event_id: `e${counter}`, session_id: `${c}-s${counter % 3}`, customer_id: c, product_id: `p${(counter % 3) + 1}`,
        event_type: counter % 5 === 0 ? "buy" : "view", occurred_at: new Date(1_700_000_000_000 + counter * 1000), offered_discount: counter % 2 ? 10 : 0,
      });
    }
  }
  return out;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("events over JetStream", { skip }, () => {
  const names = uniqueBusNames("bus");
  let bus: Bus;
  let test: TestStore;
  const writer = new OnlineFeatures(catalog());

  /** What the events role does after a commit: stage, commit in memory, publish. */
  async function write(publisher: EventPublisher, events: IncomingEvent[]) {
    const staged = writer.stage(events.map((e) => ({
      customerId: e.customer_id ?? null, sessionId: e.session_id ?? null, productId: e.product_id ?? null, eventType: e.event_type,
      offeredDiscount: e.offered_discount ?? null, occurredMs: e.occurred_at.getTime(),
    })));
    writer.commit(staged);
    await publisher.publish(eventMessages(DATASET, events, staged));
    return staged;
  }

  before(async () => {
    bus = await openBus({ url: NATS_URL, stream: names.stream, prefix: names.prefix });
    test = await duckdbTestStore();
    await migrate(test.store);
  });

  after(async () => {
    await bus?.close();
    await deleteStream(names.stream);
    await test?.cleanup();
  });

  it("delivers committed events to a durable consumer that rebuilds the writer's features, and resumes after a restart", async () => {
    const publisher = new EventPublisher(bus);
    const reader = new OnlineFeatures(catalog());
    const first = new FeatureConsumer(bus, test.store, reader, { name: names.consumer("decide"), dataset: DATASET, startMs: Date.now() - 60_000 });
    await first.start();
    const one = batch(["alice", "bob"], 4);
    const two = batch(["alice", "carol"], 3);
    await write(publisher, one);
    await write(publisher, two);
    await until(() => first.stats.received === one.length + two.length, "the first two batches");
    assert.equal(first.stats.applied, one.length + two.length);
    for (const id of ["alice", "bob", "carol"]) assert.deepEqual(stateToJSON(reader.get(id)!), stateToJSON(writer.get(id)!));

    // Republishing a batch (a retry after a lost acknowledgement) stores nothing new.
    const before = (await bus.jsm.streams.info(names.stream)).state.messages;
    await publisher.publish(eventMessages(DATASET, one, new Map([["alice", writer.get("alice")!], ["bob", writer.get("bob")!]])));
    assert.equal((await bus.jsm.streams.info(names.stream)).state.messages, before);
    assert.equal(publisher.stats.failures, 0);

    // Stop the consumer, publish while it is down, start another under the same durable name.
    await first.stop();
    const three = batch(["bob", "dave"], 5);
    await write(publisher, three);
    const info = await bus.jsm.consumers.info(names.stream, names.consumer("decide"));
    assert.equal(info.num_pending, three.length);
    const second = new FeatureConsumer(bus, test.store, reader, { name: names.consumer("decide"), dataset: DATASET, startMs: Date.now() });
    await second.start();
    await until(() => second.stats.received === three.length, "the batch sent while the consumer was down");
    assert.equal(second.stats.applied, three.length);
    for (const id of ["alice", "bob", "carol", "dave"]) assert.deepEqual(stateToJSON(reader.get(id)!), stateToJSON(writer.get(id)!));
    await second.stop();
    await publisher.close();
  });

  it("skips a count it already holds and reloads the stored snapshot when the count jumps", async () => {
    const reader = new OnlineFeatures(catalog());
    const consumer = new FeatureConsumer(bus, test.store, reader, { name: names.consumer("unit"), dataset: DATASET, startMs: Date.now() });
    const source = new OnlineFeatures(catalog());
    const events = batch(["erin"], 6);
    const staged = source.stage(events.map((e) => ({
      customerId: "erin", sessionId: e.session_id ?? null, productId: e.product_id ?? null, eventType: e.event_type,
      offeredDiscount: e.offered_discount ?? null, occurredMs: e.occurred_at.getTime(),
    })));
    await test.store.transaction((tx) => persistStates(tx, DATASET, staged)); // the events role's snapshot: 6 events
    const messages = eventMessages(DATASET, events, staged);
    await consumer.apply(messages[0]);
    await consumer.apply(messages[0]);
    assert.equal(consumer.stats.applied, 1);
    assert.equal(consumer.stats.skipped, 1);
    await consumer.apply(messages[4]); // n = 5 while holding 1: events 2–4 are missing here
    assert.equal(consumer.stats.reloaded, 1);
    assert.equal(reader.get("erin")!.events, 6);
    assert.deepEqual(stateToJSON(reader.get("erin")!), stateToJSON(staged.get("erin")!));
    await consumer.apply(messages[5]);
    assert.equal(consumer.stats.skipped, 2);
  });
});
