/**
 * Starts what this process's roles need beyond HTTP (roles.ts): the bus connection, the events
 * publisher (hooked into the event writer, after the durable write), the durable feature
 * consumer, the models-changed subscription, and the jobs scheduler — and stops them in order.
 * startService (src/serve/service.ts) calls `startRoles` once the app is built.
 */
import { PatronError } from "../../core/errors.ts";
import type { Service } from "../service.ts";
import { openBus, type Bus } from "./bus.ts";
import { FeatureConsumer } from "./consumer.ts";
import { EventPublisher, eventMessages } from "./publisher.ts";
import { checkRoles, type LoopSettings, type Role } from "./roles.ts";
import { Scheduler } from "./scheduler.ts";

/** How far before this process's start a new durable consumer begins (see consumer.ts). */
const CONSUMER_LOOKBACK_MS = 60_000;

export interface RoleRuntime {
  readonly roles: readonly Role[];
  readonly bus: Bus | undefined;
  readonly publisher: EventPublisher | undefined;
  readonly consumer: FeatureConsumer | undefined;
  readonly scheduler: Scheduler | undefined;
  status(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startRoles(service: Service, settings: LoopSettings): Promise<RoleRuntime> {
  const { publish, consume } = checkRoles(settings);
  const roles = settings.roles;
  const needsBus = publish || consume || (settings.nats !== undefined && roles.includes("jobs"));
  const bus = needsBus ? await openBus(settings.nats) : undefined;
  let publisher: EventPublisher | undefined;
  let consumer: FeatureConsumer | undefined;
  let scheduler: Scheduler | undefined;
  try {
    if (publish && bus) {
      const sender = new EventPublisher(bus);
      publisher = sender;
      const dataset = service.options.dataset;
      service.events.onCommitted = (events, staged) => sender.publish(eventMessages(dataset, events, staged));
    }
    if (consume && bus) {
      const name = settings.nats?.consumer;
      if (!name) {
        throw new PatronError(
          "E_OPTION",
          `the ${roles.join(", ")} role needs a durable consumer name, one per process (e.g. --nats-consumer decide-1): replicas sharing one name would each see only part of the events.`,
        );
      }
      consumer = new FeatureConsumer(bus, service.store, service.features, { name, dataset: service.options.dataset, startMs: service.startedAt - CONSUMER_LOOKBACK_MS });
      await consumer.start();
    }
    if (bus && (roles.includes("decide") || roles.includes("api"))) {
      bus.nc.subscribe(bus.modelsSubject, {
        callback: () => void service.reloadModels().catch((error) => service.app.log.error({ err: error }, "could not load the models announced on the bus")),
      });
    }
    if (roles.includes("jobs") && settings.retrainCron) {
      scheduler = new Scheduler({
        store: service.store,
        dataset: service.options.dataset,
        log: service.app.log,
        async onPromoted() {
          if (bus) bus.nc.publish(bus.modelsSubject);
          await service.reloadModels();
        },
      });
      scheduler.scheduleRetrain(settings.retrainCron, settings.retrain);
    }
  } catch (error) {
    await consumer?.stop().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    throw error;
  }
  return {
    roles, bus, publisher, consumer, scheduler,
    status: () => ({
      roles,
      nats: bus ? { url: bus.options.url, stream: bus.options.stream, connected: !bus.nc.isClosed() } : null,
      publisher: publisher ? { ...publisher.stats } : null,
      consumer: consumer ? { name: consumer.options.name, ...consumer.stats } : null,
      schedule: scheduler ? { next: scheduler.next(), running: scheduler.running, runs: scheduler.runs } : null,
      exploration: settings.exploration,
    }),
    async close() {
      scheduler?.stop();
      await consumer?.stop();
      const left = (await publisher?.close()) ?? 0;
      if (left > 0) service.app.log.error({ unpublished: left }, "events could not be published to NATS before shutdown; the decide role recovers them from the stored snapshots");
      await bus?.close();
    },
  };
}
