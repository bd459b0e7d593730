/**
 * The real NATS server for the roles tests (PATRON_NATS_URL, default nats://127.0.0.1:4222, with
 * JetStream). When it is unreachable the tests are skipped with a one-line reason, unless
 * PATRON_REQUIRE_NATS=1 (CI), where that is a failure. Every test run uses its own stream,
 * subject prefix and consumer names, and deletes its stream afterwards.
 */
import { connect } from "nats";

export const NATS_URL = process.env.PATRON_NATS_URL ?? "nats://127.0.0.1:4222";

let reachable: Promise<string | undefined> | undefined;

/** undefined when NATS with JetStream answers, else the reason to skip. Throws under PATRON_REQUIRE_NATS=1. */
export function natsSkipReason(): Promise<string | undefined> {
  reachable ??= (async () => {
    try {
      const nc = await connect({ servers: NATS_URL, timeout: 2000 });
      try {
        await (await nc.jetstreamManager({ timeout: 2000 })).getAccountInfo();
      } finally {
        await nc.close();
      }
      return undefined;
    } catch (error) {
      const reason = `NATS with JetStream not reachable at ${NATS_URL} (${(error as Error).message}); set PATRON_NATS_URL`;
      if (process.env.PATRON_REQUIRE_NATS === "1") throw new Error(`PATRON_REQUIRE_NATS=1 but ${reason}`);
      return reason;
    }
  })();
  return reachable;
}

/** Names unique to this test run: stream, subject prefix, consumer prefix. */
export function uniqueBusNames(tag: string): { stream: string; prefix: string; consumer: (role: string) => string } {
  const id = `${tag}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { stream: `T_${id}`, prefix: `t_${id}`, consumer: (role) => `${role}_${id}` };
}

/** Deletes a test stream (and with it its consumers). */
export async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL, timeout: 2000 });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
