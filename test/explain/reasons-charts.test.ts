import assert from "node:assert/strict";
import { test } from "node:test";
import * as vega from "vega";
import { compile } from "vega-lite";
import { frame } from "../../src/core/frame.ts";
import { fromRows } from "../../src/core/matrix.ts";
import { beeswarmChart, importanceBarChart, waterfallChart, type VegaLiteSpec } from "../../src/explain/charts.ts";
import { groupShap, sourcesFromNames } from "../../src/explain/grouping.ts";
import { explainLinear } from "../../src/explain/linear-shap.ts";
import { globalImportance } from "../../src/explain/ranking.ts";
import { topReasons } from "../../src/explain/reasons.ts";
import { outputScale, shapMargin } from "../../src/explain/shap-values.ts";
import { explainTrees } from "../../src/explain/tree-shap.ts";
import { fixtureRows, linearReference, sklearnLogistic } from "./linear-fixture.ts";
import { randomEnsemble, randomMatrix } from "./trees.ts";

// A hand-checkable model: margin = 0.5·pages_per_visit − 1·tenure + 0 (logit link), background
// means 2 and 3, so row [1, 5] has φ = [−0.5, −2] and row [4, 3] has φ = [+1, 0]. Against the
// background, 5 and 4 sit at the mid-rank percentile 0.875 ("high"), 1 at 0.25 ("low").
const model = { coef: Float64Array.of(0.5, -1), intercept: 0, featureNames: ["pages_per_visit", "tenure"] };
const background = fromRows([[0, 1], [2, 3], [4, 5], [2, 3]], ["pages_per_visit", "tenure"]);
const rows = fromRows([[1, 5], [4, 3]], ["pages_per_visit", "tenure"]);
const shap = explainLinear(model, rows, { background });

test("global ranking is mean |SHAP|, largest first", () => {
  assert.deepEqual(globalImportance(shap), [
    { feature: "tenure", meanAbs: 1, mean: -1 },
    { feature: "pages_per_visit", meanAbs: 0.75, mean: 0.25 },
  ]);
});

test("top reasons read as sentences, on the margin scale and on the probability scale", () => {
  const [first, second] = topReasons(shap, rows, { target: "decline risk", scale: "margin", background });
  assert.deepEqual(first.map((r) => r.text), [
    "tenure is high (5): -2.00 to decline risk",
    "pages per visit is low (1): -0.50 to decline risk",
  ]);
  assert.deepEqual(second.map((r) => r.text), ["pages per visit is high (4): +1.00 to decline risk"]);
  // probability scale: contributions keep their proportions and add up to p − p₀
  const [probability] = topReasons(shap, rows, { target: "decline risk", rows: [0], background });
  // baseline margin 0.5·2 − 3 = −2, row margin −2 − 2.5 = −4.5
  const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));
  const total = probability.reduce((s, r) => s + r.contribution, 0);
  assert.ok(Math.abs(total - (sigmoid(-4.5) - sigmoid(-2))) < 1e-15);
  assert.ok(Math.abs(probability[0].contribution / probability[1].contribution - 4) < 1e-12);
  const up = topReasons(shap, rows, { target: "x", direction: "increase", scale: "margin" });
  assert.deepEqual(up.map((r) => r.length), [0, 1]);
});

test("grouped one-hot features are described by their category; flags by yes/no; missing values by name", () => {
  const x = fixtureRows();
  const grouped = groupShap(explainLinear(sklearnLogistic, x, { background: Float64Array.from(linearReference.backgroundMean) }), sourcesFromNames(x.columns));
  const reasons = topReasons(grouped, x, { target: "visit chance", k: 8 })[0];
  const channel = reasons.find((r) => r.feature === "channel")!;
  assert.equal(channel.qualifier, "category");
  assert.ok(["Phone", "Web", "Multichannel"].includes(channel.value as string));
  assert.match(channel.text, /^channel is (Phone|Web|Multichannel): [+-]\d\.\d\d to visit chance$/);
  const mens = reasons.find((r) => r.feature === "mens")!;
  assert.equal(mens.text.startsWith(`mens is ${mens.value === 1 ? "yes" : "no"}:`), true);

  const withMissing = frame([
    { name: "age", kind: "numeric", values: Float64Array.of(NaN, 30) },
    { name: "city", kind: "categorical", values: ["Lyon", null] },
  ]);
  const s = { nRows: 2, nOutputs: 1, featureNames: ["age", "city"], values: Float64Array.of(0.3, -0.1, 0.2, 0.4), expectedValue: Float64Array.of(1), link: "identity" as const };
  assert.deepEqual(topReasons(s, withMissing, { target: "spend", digits: 1 }).map((r) => r.map((x) => x.text)), [
    ["age is missing: +0.3 to spend", "city is Lyon: -0.1 to spend"],
    ["city is missing: +0.4 to spend", "age is typical (30): +0.2 to spend"],
  ]);
  assert.throws(() => topReasons(s, fromRows([[1], [2]], ["other"]), { target: "t" }), { code: "E_COLUMN" });
});

async function render(spec: VegaLiteSpec): Promise<string> {
  const compiled = compile(spec as unknown as Parameters<typeof compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

test("the bar, beeswarm and waterfall specs compile with vega-lite and render to SVG with vega", async () => {
  const ensemble = randomEnsemble(3, { nTrees: 20, nFeatures: 5, depth: 4, baseMargin: -0.4, link: "logit" });
  const x = randomMatrix(4, 300, 5);
  const tshap = explainTrees(ensemble, x);
  const bar = await render(importanceBarChart(globalImportance(tshap), { title: "What drives decline risk" }));
  assert.match(bar, /What drives decline risk/);
  for (const name of x.columns) assert.match(bar, new RegExp(`>${name}<`));
  assert.equal((bar.match(/<path[^>]*aria-roledescription="bar"/g) ?? []).length, 5);

  const bee = await render(beeswarmChart(tshap, x, { maxFeatures: 3, maxRows: 100 }));
  assert.equal((bee.match(/aria-roledescription="circle"/g) ?? []).length, 3 * 100);
  assert.match(bee, /feature value/);

  const spec = waterfallChart(tshap, 7, { maxFeatures: 3 });
  const steps = (spec.data as { values: { label: string; end: number; text: string }[] }).values;
  const p = 1 / (1 + Math.exp(-shapMargin(tshap)[7]));
  assert.deepEqual(steps.map((s) => s.label), ["baseline", ...steps.slice(1, 4).map((s) => s.label), "2 other features", "prediction"]);
  assert.ok(Math.abs(steps[steps.length - 2].end - p) < 1e-12, "the bars end at the row's probability");
  assert.equal(outputScale(tshap, 7, 0, "probability").prediction, steps[steps.length - 1].end);
  const water = await render(spec);
  assert.match(water, new RegExp(`>${p.toFixed(3)}<`));
  assert.match(water, />baseline</);
});
