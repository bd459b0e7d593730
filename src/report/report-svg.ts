/**
 * Server-side chart rendering for the self-contained report: each Vega-Lite spec is compiled
 * with vega-lite and drawn to an SVG string with vega's headless `View.toSVG()` (no canvas, no
 * browser, no network), then put inside its `<div class="chart" data-spec="ID">` placeholder.
 * The same specs go to the dashboard unchanged, where vega-embed draws them in the browser.
 *
 * A spec that does not compile or render does not sink the report: its placeholder gets a short
 * note and the failure is returned, so the CLI can warn about it.
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import { escapeHtml, type VegaLiteSpec } from "./profile-section.ts";

export interface ChartFailure {
  id: string;
  message: string;
}

/** Above this size an SVG is drawn again without per-mark ARIA labels (a beeswarm of 300 × 10 points). */
export const LARGE_SVG_BYTES = 200_000;

const GEOMETRY = / (d|transform|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g;

/**
 * Geometry to 2 decimals (a hundredth of a pixel): Vega writes 13 digits per coordinate, which
 * makes big charts several times larger than they look. Text (labels, titles) is untouched.
 */
export function roundGeometry(svg: string): string {
  return svg.replace(GEOMETRY, (_whole, name: string, value: string) =>
    ` ${name}="${value.replace(/-?\d+\.\d{3,}/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`,
  );
}

async function draw(spec: VegaLiteSpec, aria: boolean): Promise<string> {
  // Vega-Lite's and Vega's warnings (e.g. merged sort orders) would go to the console unasked.
  const input = aria ? spec : { ...spec, config: { ...((spec.config as object | undefined) ?? {}), aria: false } };
  const compiled = compile(input as never, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    return roundGeometry(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * One spec → an SVG string. Fixed width/height in the spec decide the SVG size ("container"
 * sizing has no container here). Every mark carries an ARIA label with its data for screen
 * readers; a chart of thousands of marks drops them rather than weigh megabytes.
 */
export async function specToSvg(spec: VegaLiteSpec): Promise<string> {
  const svg = await draw(spec, true);
  return svg.length > LARGE_SVG_BYTES ? draw(spec, false) : svg;
}

/** Replaces each chart placeholder in `html` by the placeholder with its SVG inside. */
export async function inlineCharts(html: string, specs: Readonly<Record<string, VegaLiteSpec>>): Promise<{ html: string; failures: ChartFailure[] }> {
  const failures: ChartFailure[] = [];
  const rendered = new Map<string, string>();
  for (const [id, spec] of Object.entries(specs)) {
    try {
      rendered.set(id, await specToSvg(spec));
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      failures.push({ id, message });
      rendered.set(id, `<p class="chart-error">This chart could not be drawn: ${escapeHtml(message)}</p>`);
    }
  }
  const out = html.replace(/<div class="chart" data-spec="([^"]+)"><\/div>/g, (whole, id: string) => {
    const svg = rendered.get(id);
    return svg === undefined ? whole : `<div class="chart" data-spec="${id}">${svg}</div>`;
  });
  return { html: out, failures };
}
