// A worker-thread task for test/models/pipeline.test.ts: builds a pipeline from its JSON spec
// (as model selection does on workers), fits it on seeded synthetic rows and scores them.
import { frame } from "../../src/core/frame.ts";
import { rng } from "../../src/core/rng.ts";
import { estimatorFromSpec } from "../../src/models/registry.ts";
import type { EstimatorSpec, FrameEstimator } from "../../src/models/types.ts";

export async function fitAndScore(payload: { spec: EstimatorSpec; rows: number }): Promise<number[]> {
  const random = rng(11);
  const n = payload.rows;
  const age = Float64Array.from({ length: n }, () => 20 + 50 * random.next());
  const city = Array.from({ length: n }, () => ["a", "b", "c"][random.int(3)]);
  const y = Float64Array.from(age, (a, i) => (a / 70 + (city[i] === "a" ? 0.3 : 0) + random.normal() * 0.3 > 0.8 ? 1 : 0));
  const f = frame([
    { name: "age", kind: "numeric", values: age },
    { name: "city", kind: "categorical", values: city },
  ]);
  const estimator = (await estimatorFromSpec(payload.spec)) as FrameEstimator;
  return Array.from(estimator.fit(f, y).predictProba(f));
}
