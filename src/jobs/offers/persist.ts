/**
 * Where the offers job leaves its results:
 *
 *   offer_policies  policy_id, dataset, created_at, policy (the recommended one: a rule name or
 *                   "always-0"), deployed (whether its interval clears offering nothing),
 *                   policy_value, ci_low, ci_high, verdict, config (the discount policy config the
 *                   service's DiscountPolicy reads: discounts, marginRate, rule, threshold),
 *                   model (the fitted uplift model's JSON), result (the whole OffersJobResult —
 *                   what the report's offers section is drawn from)
 *
 * The same model and config go to the model registry as purpose "offers" (the CLI command does
 * that), so /v1/decide can serve them once someone activates a policy worth serving.
 */
import type { Store } from "../../store/store.ts";
import { createResultTable, insertColumns, resultJson, type ResultColumn } from "../../store/result-tables.ts";
import type { OffersJobOutput, OffersJobResult } from "./offers-job.ts";

const COLUMNS: ResultColumn[] = [
  { name: "policy_id", type: "text" },
  { name: "dataset", type: "text" },
  { name: "created_at", type: "timestamp" },
  { name: "policy", type: "text" },
  { name: "deployed", type: "boolean" },
  { name: "policy_value", type: "double" },
  { name: "ci_low", type: "double" },
  { name: "ci_high", type: "double" },
  { name: "verdict", type: "text" },
  { name: "config", type: "text" },
  { name: "model", type: "text" },
  { name: "result", type: "text" },
];

export async function saveOfferPolicy(store: Store, output: OffersJobOutput, policyId: string, createdMs: number): Promise<void> {
  await createResultTable(store, "offer_policies", COLUMNS, ["policy_id"]);
  const r = output.result;
  await insertColumns(store, "offer_policies", COLUMNS, [
    [policyId], [r.dataset], [createdMs], [r.contract.policy], [r.decision.deployed], [r.contract.policy_value], [r.contract.ci[0]], [r.contract.ci[1]],
    [r.decision.verdict], [JSON.stringify(output.config)], [JSON.stringify(output.model.toJSON())], [resultJson(r)],
  ]);
}

/** The latest stored evaluation of a dataset (for the report), or undefined when none is stored. */
export async function latestOfferPolicy(store: Store, dataset = "ium"): Promise<{ policyId: string; createdAt: string; result: OffersJobResult } | undefined> {
  if (!(await store.tableExists("offer_policies"))) return undefined;
  const [row] = await store.query<{ policy_id: string; created_at: unknown; result: string }>(
    "SELECT policy_id, CAST(created_at AS VARCHAR) AS created_at, result FROM offer_policies WHERE dataset = $1 ORDER BY created_at DESC, policy_id DESC LIMIT 1",
    [dataset],
  );
  return row ? { policyId: row.policy_id, createdAt: String(row.created_at), result: JSON.parse(row.result) as OffersJobResult } : undefined;
}
