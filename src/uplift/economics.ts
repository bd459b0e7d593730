/**
 * Campaign economics from an uplift ranking on a holdout with randomised treatment: for
 * contacting nobody, the top k % by predicted uplift (k = 5, 10, …, 100) and everybody — the
 * contacts, their cost, the incremental conversions and revenue, and the profit; the k that
 * maximises profit; and a Vega-Lite chart of profit against k.
 *
 * The increments are measured, not predicted: in the top-k slice of the holdout the treated
 * and control response rates are observed (the experiment randomised who was contacted), and
 * incremental conversions = (rate_T − rate_C) × contacts. This is the Qini/uplift-curve reading
 * of "what would targeting the top k % have earned" (Radcliffe 2007), in money. With a revenue
 * outcome (e.g. spend) the slice's mean revenue difference is used instead of the rates.
 */
import { PatronError } from "../core/errors.ts";
import { descendingOrder } from "../metrics/uplift-common.ts";
import { checkFinite, checkSameLength } from "../metrics/check.ts";

export interface EconomicsConfig {
  /** Cost of contacting one customer (message, call, printed coupon). */
  costPerContact: number;
  /** Margin earned per conversion (binary outcome). Ignored when `revenue` is given. */
  marginPerConversion?: number;
  /** Cost per converting contacted customer (e.g. an incentive redeemed on purchase). Default 0. */
  costPerConversion?: number;
  /** Share of incremental revenue that is profit, when `revenue` is given. Default 1. */
  marginRate?: number;
  /** Scale counts from the holdout to this many customers. Default: the holdout's rows. */
  populationSize?: number;
  /** Percent step of the table. Default 5. */
  stepPercent?: number;
}

export interface EconomicsRow {
  /** Percent of customers contacted, best uplift first (0 = nobody, 100 = everybody). */
  percent: number;
  contacts: number;
  cost: number;
  /** Observed response rates (or mean revenue) of the treated and control rows in the slice. */
  treatedRate: number;
  controlRate: number;
  incrementalConversions: number;
  incrementalRevenue: number;
  profit: number;
}

export interface Economics {
  rows: EconomicsRow[];
  /** The row with the largest profit (nobody when no slice pays). */
  best: EconomicsRow;
  nobody: EconomicsRow;
  everybody: EconomicsRow;
  config: Required<Omit<EconomicsConfig, "populationSize" | "marginPerConversion">> & { populationSize: number; marginPerConversion: number | null; outcome: "conversion" | "revenue" };
}

function checkConfig(config: EconomicsConfig, hasRevenue: boolean): void {
  const nonNegative = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new PatronError("E_OPTION", `${name} must be a finite number ≥ 0; found ${value}.`);
    }
  };
  nonNegative("costPerContact", config.costPerContact);
  nonNegative("marginPerConversion", config.marginPerConversion);
  nonNegative("costPerConversion", config.costPerConversion);
  nonNegative("marginRate", config.marginRate);
  if (!hasRevenue && config.marginPerConversion === undefined) {
    throw new PatronError("E_OPTION", "economics needs marginPerConversion (money per conversion) or a revenue outcome; set one in the config.");
  }
  const step = config.stepPercent ?? 5;
  if (!(Number.isInteger(step) && step >= 1 && step <= 100 && 100 % step === 0)) {
    throw new PatronError("E_OPTION", `stepPercent must be a whole number dividing 100 (1, 2, 5, 10, …); found ${step}.`);
  }
  if (config.populationSize !== undefined && !(config.populationSize > 0)) {
    throw new PatronError("E_OPTION", `populationSize must be positive; found ${config.populationSize}.`);
  }
}

/**
 * @param yTrue observed conversion (0/1) per holdout row
 * @param uplift predicted uplift (the ranking)
 * @param treatment 1 if the row was contacted in the experiment, 0 if it was the control
 * @param revenue optional revenue outcome per row (then profit uses revenue × marginRate)
 */
export function campaignEconomics(
  yTrue: ArrayLike<number>, uplift: ArrayLike<number>, treatment: ArrayLike<number>, config: EconomicsConfig, revenue?: ArrayLike<number>,
): Economics {
  const nRows = yTrue.length;
  checkSameLength("uplift", uplift, nRows);
  checkSameLength("treatment", treatment, nRows);
  checkFinite("uplift", uplift);
  if (revenue) {
    checkSameLength("revenue", revenue, nRows);
    checkFinite("revenue", revenue);
  }
  for (let i = 0; i < nRows; i++) {
    if (treatment[i] !== 0 && treatment[i] !== 1) {
      throw new PatronError("E_NOT_BINARY", `treatment must be 0 (control) or 1 (contacted); found ${treatment[i]} at row ${i}.`);
    }
  }
  checkConfig(config, revenue !== undefined);
  const step = config.stepPercent ?? 5;
  const population = config.populationSize ?? nRows;
  const scale = population / nRows;
  const costPerConversion = config.costPerConversion ?? 0;
  const marginRate = config.marginRate ?? 1;
  const order = descendingOrder(uplift);

  const rows: EconomicsRow[] = [];
  const nobody: EconomicsRow = {
    percent: 0, contacts: 0, cost: 0, treatedRate: NaN, controlRate: NaN, incrementalConversions: 0, incrementalRevenue: 0, profit: 0,
  };
  rows.push(nobody);
  let taken = 0;
  let nT = 0, nC = 0, yT = 0, yC = 0, revT = 0, revC = 0;
  for (let percent = step; percent <= 100; percent += step) {
    const upTo = Math.round((nRows * percent) / 100);
    for (; taken < upTo; taken++) {
      const i = order[taken];
      if (treatment[i] === 1) {
        nT++;
        yT += yTrue[i];
        if (revenue) revT += revenue[i];
      } else {
        nC++;
        yC += yTrue[i];
        if (revenue) revC += revenue[i];
      }
    }
    const contacts = upTo * scale;
    const treatedRate = nT > 0 ? yT / nT : NaN;
    const controlRate = nC > 0 ? yC / nC : NaN;
    const incrementalConversions = (treatedRate - controlRate) * contacts;
    const incrementalRevenue = revenue
      ? (revT / nT - revC / nC) * contacts * marginRate
      : incrementalConversions * (config.marginPerConversion ?? 0);
    const cost = contacts * config.costPerContact + costPerConversion * treatedRate * contacts;
    rows.push({ percent, contacts, cost, treatedRate, controlRate, incrementalConversions, incrementalRevenue, profit: incrementalRevenue - cost });
  }
  let best = nobody;
  for (const row of rows) if (Number.isFinite(row.profit) && row.profit > best.profit) best = row;
  return {
    rows, best, nobody, everybody: rows[rows.length - 1],
    config: {
      costPerContact: config.costPerContact, marginPerConversion: config.marginPerConversion ?? null, costPerConversion, marginRate,
      populationSize: population, stepPercent: step, outcome: revenue ? "revenue" : "conversion",
    },
  };
}

/** Vega-Lite (v6) spec, plain JSON: profit against percent contacted, the best k marked. */
export function profitChartSpec(economics: Economics, options: { title?: string; currency?: string } = {}): Record<string, unknown> {
  const currency = options.currency ?? "";
  const values = economics.rows.filter((r) => Number.isFinite(r.profit)).map((r) => ({ percent: r.percent, profit: r.profit, cost: r.cost }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title ?? "Profit by share of customers contacted (best uplift first)",
    width: 480,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "percent", type: "quantitative", title: "customers contacted (%)", scale: { domain: [0, 100] } },
          y: { field: "profit", type: "quantitative", title: `profit${currency ? ` (${currency})` : ""}` },
          tooltip: [
            { field: "percent", type: "quantitative" },
            { field: "profit", type: "quantitative", format: ",.2f" },
            { field: "cost", type: "quantitative", format: ",.2f" },
          ],
        },
      },
      {
        data: { values: [{ percent: economics.best.percent, profit: economics.best.profit, label: `best: ${economics.best.percent}%` }] },
        mark: { type: "rule", strokeDash: [4, 4], color: "firebrick" },
        encoding: { x: { field: "percent", type: "quantitative" } },
      },
      {
        data: { values: [{ percent: economics.best.percent, profit: economics.best.profit, label: `best: ${economics.best.percent}%` }] },
        mark: { type: "text", align: "left", dx: 4, dy: -8, color: "firebrick" },
        encoding: { x: { field: "percent", type: "quantitative" }, y: { field: "profit", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  };
}
