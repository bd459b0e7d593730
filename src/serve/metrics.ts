/**
 * Service metrics in the Prometheus text exposition format (version 0.0.4): request counts and
 * latency histograms per route, events accepted and duplicated, decisions by offer and group,
 * and gauges read at scrape time (queue length, database up, customers in memory). Hand-written
 * because it is ~100 lines and prom-client would be a dependency for counters and one
 * histogram; recording a request is a few additions, cheap enough for the hot path.
 */

/** Latency buckets in seconds: fine below 5 ms (the decide budget), coarse above. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

interface Histogram {
  counts: Float64Array;
  sum: number;
  count: number;
}

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}="${labels[k].replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`).join(",")}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function observeInto(h: Histogram, seconds: number): void {
  for (let b = 0; b < LATENCY_BUCKETS.length; b++) {
    if (seconds <= LATENCY_BUCKETS[b]) {
      h.counts[b]++;
      break;
    }
  }
  h.sum += seconds;
  h.count++;
}

export class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string, readonly help: string) {}

  /** The cell of one label set, to keep and increment directly on hot paths. */
  cell(labels: Labels = {}): { value: number } {
    const key = labelText(labels);
    let entry = this.#values.get(key);
    if (!entry) this.#values.set(key, (entry = { labels, value: 0 }));
    return entry;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.cell(labels).value += by;
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, { value }] of this.#values) lines.push(`${this.name}${key} ${formatNumber(value)}`);
    return lines.join("\n");
  }
}

export class Gauge {
  constructor(readonly name: string, readonly help: string, private readonly read: () => number) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${formatNumber(this.read())}`].join("\n");
  }
}

export class LatencyHistogram {
  readonly #series = new Map<string, { labels: Labels; h: Histogram }>();

  constructor(readonly name: string, readonly help: string) {}

  /** The histogram of one label set, to keep and observe into directly on hot paths. */
  series(labels: Labels): Histogram {
    const key = labelText(labels);
    let entry = this.#series.get(key);
    if (!entry) {
      entry = { labels, h: { counts: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0 } };
      this.#series.set(key, entry);
    }
    return entry.h;
  }

  observe(labels: Labels, seconds: number): void {
    observeInto(this.series(labels), seconds);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, h } of this.#series.values()) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, b) => {
        cumulative += h.counts[b];
        lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(le) })} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${h.count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${formatNumber(h.sum)}`);
      lines.push(`${this.name}_count${labelText(labels)} ${h.count}`);
    }
    return lines.join("\n");
  }
}

/** A request counter cell and its route's latency histogram. */
export interface RequestCells {
  readonly count: { value: number };
  readonly latency: Histogram;
}

/** Every metric the service exposes. Gauges are registered by the service with their readers. */
export class ServiceMetrics {
  readonly requests = new Counter("patron_http_requests_total", "HTTP requests by route, method and status code.");
  readonly latency = new LatencyHistogram("patron_http_request_duration_seconds", "HTTP request latency by route.");
  readonly eventsAccepted = new Counter("patron_events_accepted_total", "Events stored by POST /v1/events.");
  readonly eventsDuplicate = new Counter("patron_events_duplicates_total", "Events ignored by POST /v1/events because their id was already stored.");
  readonly decisions = new Counter("patron_decisions_total", "Decisions by offer and group (treated or holdout).");
  readonly rateLimited = new Counter("patron_rate_limited_total", "Requests refused with 429, by API key id.");
  readonly decideFastLane = new Counter("patron_decide_fast_lane_total", "POST /v1/decide requests answered by the fast lane in front of Fastify (src/serve/decide-lane.ts); the rest went through Fastify.");
  readonly gauges: Gauge[] = [];

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.push(new Gauge(name, help, read));
  }

  readonly #requestCells = new Map<string, RequestCells>();

  /** The cells of one route, method and status, to keep on a hot path and record into with recordInto(). */
  requestCells(route: string, method: string, status: number): RequestCells {
    const key = `${route} ${method} ${status}`;
    let cells = this.#requestCells.get(key);
    if (!cells) {
      cells = { count: this.requests.cell({ route, method, status: String(status) }), latency: this.latency.series({ route }) };
      this.#requestCells.set(key, cells);
    }
    return cells;
  }

  /** Records one finished request (called from the onResponse hook; label sets are looked up once). */
  record(route: string, method: string, status: number, seconds: number): void {
    this.recordInto(this.requestCells(route, method, status), seconds);
  }

  recordInto(cells: RequestCells, seconds: number): void {
    cells.count.value++;
    observeInto(cells.latency, seconds);
  }

  render(): string {
    const parts = [this.requests, this.latency, this.eventsAccepted, this.eventsDuplicate, this.decisions, this.rateLimited, this.decideFastLane, ...this.gauges];
    return `${parts.map((p) => p.render()).join("\n")}\n`;
  }
}
