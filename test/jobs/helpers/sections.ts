/**
 * Checks a report section as the report uses it: every chart placeholder in the HTML has a spec
 * and every spec a placeholder, and every spec compiles and draws to SVG with Vega (the report's
 * own renderer), so a section cannot ship a chart that the report would show as broken.
 */
import assert from "node:assert/strict";
import { specToSvg } from "../../../src/report/report-svg.ts";

export async function checkSection(section: { html: string; specs: Record<string, Record<string, unknown>> }): Promise<void> {
  const placeholders = [...section.html.matchAll(/data-spec="([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(placeholders, Object.keys(section.specs).sort(), "placeholders and specs match one to one");
  for (const [id, spec] of Object.entries(section.specs)) {
    const svg = await specToSvg(spec);
    assert.match(svg, /^<svg/, `chart ${id} draws`);
  }
  const bad = /.{0,80}(NaN|undefined|\[object Object\]).{0,40}/.exec(section.html);
  assert.equal(bad, null, `an unformatted value in: ${bad?.[0]}`);
}
