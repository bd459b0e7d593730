/**
 * Failpoints for crash tests: when PATRON_FAILPOINT names this point, the process announces
 * it on stderr ("failpoint NAME") and waits, so a test can kill -9 it at exactly that moment
 * (test/ingest/kill.test.ts kills an ingest in the middle of its load transaction). Unset in
 * normal use, where a failpoint costs one environment lookup.
 */
export async function failpoint(name: string): Promise<void> {
  if (process.env.PATRON_FAILPOINT !== name) return;
  process.stderr.write(`failpoint ${name}\n`);
  await new Promise((resolve) => setTimeout(resolve, 120_000));
}
