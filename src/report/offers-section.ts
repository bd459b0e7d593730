/**
 * The offers report section (issue #6, the IUM seed): a stored OffersJobResult → an HTML fragment
 * and Vega-Lite specs — the verdict in plain words first, then the facts behind it (purchase rate
 * by discount with intervals, each level's effect against its break-even, the χ² test), the
 * policies' offline values with their intervals, the learners compared on validation, and for a
 * simulated shop the policies' exact profit against the oracle's. Pure: no I/O, no clock.
 */
import type { OffersJobResult } from "../jobs/offers/offers-job.ts";
import { escapeHtml } from "./profile-section.ts";
import { figureCards, formatNumber, formatPercent, htmlTable, type KeyFigure } from "./report-format.ts";

export type VegaLiteSpec = Record<string, unknown>;

export interface OffersSection {
  html: string;
  specs: Record<string, VegaLiteSpec>;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const f2 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(2));
const f3 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(3));
const pp = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? "+" : "−"}${Math.abs(100 * v).toFixed(1)} pp` : "never");
const chart = (id: string) => `<div class="chart" data-spec="${id}"></div>`;

export function offersFigures(result: OffersJobResult): KeyFigure[] {
  const c = result.contract;
  return [
    { label: "recommended policy", value: c.policy, note: result.decision.deployed ? "clears offering nothing" : "no discount pays" },
    { label: "profit per session", value: c.policy_value, format: "money", note: `95 % CI ${f2(c.ci[0])} … ${f2(c.ci[1])}` },
    { label: "always 20 %: profit per session", value: c.baselines.always_20, format: "money" },
    { label: "purchase vs discount: χ² p", value: result.chiSquare.pValue, format: "score" },
    { label: "purchase prediction ROC-AUC", value: result.rocAuc, format: "score" },
  ];
}

export function ratesSpec(result: OffersJobResult): VegaLiteSpec {
  const values = result.purchaseRates.map((r) => ({ discount: `${r.level} %`, rate: r.rate, lo: r.ci[0], hi: r.ci[1], sessions: r.sessions }));
  return {
    $schema: SCHEMA,
    title: `Purchase rate by offered discount (95 % interval; χ² p = ${f3(result.chiSquare.pValue)})`,
    width: 320,
    height: 200,
    data: { values },
    encoding: { x: { field: "discount", type: "ordinal", sort: values.map((v) => v.discount), title: "offered discount" } },
    layer: [
      { mark: { type: "point", filled: true, size: 60, tooltip: true }, encoding: { y: { field: "rate", type: "quantitative", title: "sessions with a purchase", scale: { zero: false }, axis: { format: "%" } } } },
      { mark: { type: "rule" }, encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } },
    ],
  };
}

export function policiesSpec(result: OffersJobResult): VegaLiteSpec {
  const values = result.policies.map((p) => ({ policy: p.policy, value: p.value, lo: p.ci[0], hi: p.ci[1] }));
  const layers: Record<string, unknown>[] = [
    { mark: { type: "rule" }, encoding: { x: { field: "lo", type: "quantitative", title: "profit per session (SNIPW)" }, x2: { field: "hi" } } },
    { mark: { type: "point", filled: true, size: 60, tooltip: true }, encoding: { x: { field: "value", type: "quantitative" } } },
  ];
  if (result.oracle) {
    layers.push({
      data: { values: [{ oracle: result.oracle.value, label: "oracle (exact)" }] },
      mark: { type: "rule", color: "#1e7b34", strokeDash: [4, 3] },
      encoding: { x: { field: "oracle", type: "quantitative" } },
    });
  }
  return {
    $schema: SCHEMA,
    title: "Discount policies on the test sessions (95 % interval)",
    width: 360,
    data: { values },
    encoding: { y: { field: "policy", type: "nominal", title: null, sort: values.map((v) => v.policy) } },
    layer: layers,
  };
}

export function offersSection(result: OffersJobResult): OffersSection {
  const specs: Record<string, VegaLiteSpec> = { rates: ratesSpec(result), policies: policiesSpec(result) };
  const s = result.split;
  const parts = [
    `<section class="offers"><h2>Smallest sufficient discount</h2>`,
    `<p>${result.simulated ? "A simulated shop with a known response to discounts" : "The IUM shop's sessions"} (dataset <code>${escapeHtml(result.dataset)}</code>): ${formatNumber(result.nSessions)} sessions with a product view, each with a randomised discount (${result.levels.join(" / ")} %). ` +
      `Features are counted from the customer's events before the session's last product view (the decision point). Margin ${formatPercent(result.marginRate, 0)} of the price; a discount costs discount × price × purchase.</p>`,
    figureCards(offersFigures(result)),
    `<p class="verdict"><b>Verdict.</b> ${escapeHtml(result.decision.verdict)}</p>`,
    `<h3>Does a discount change buying?</h3>`,
    htmlTable(
      ["discount", "sessions", "bought", "purchase rate", "95 % interval", "change vs 0 %", "95 % interval", "needed to pay"],
      result.purchaseRates.map((r, k) => {
        const e = k === 0 ? undefined : result.levelEffects[k - 1];
        return [`${r.level} %`, r.sessions, r.bought, formatPercent(r.rate), `${formatPercent(r.ci[0])} … ${formatPercent(r.ci[1])}`,
          e ? pp(e.difference) : "", e ? `${pp(e.ci[0])} … ${pp(e.ci[1])}` : "", e ? pp(e.breakEven) : ""];
      }),
    ),
    `<p>Pearson χ² = ${f2(result.chiSquare.statistic)} on ${result.chiSquare.dof} degrees of freedom, p = ${f3(result.chiSquare.pValue)}. "Needed to pay": the rise in purchase rate at which the discount's extra sales cover what it gives away on the sales that happen anyway.</p>`,
    `<div class="charts">${chart("rates")}</div>`,
    `<h3>Policies, evaluated offline</h3>`,
    `<p>Learned on the first ${formatNumber(s.nTrain + s.nValidation)} sessions in time (the last ${formatNumber(s.nValidation)} of them to choose learner and rule: <b>${escapeHtml(result.chosen.label)}</b>, rule <b>${escapeHtml(result.chosen.rule)}</b>), judged on the last ${formatNumber(s.nTest)}. ` +
      `Values are self-normalised inverse-propensity estimates (logging propensities ${result.propensity.map((p) => p.toFixed(3)).join(" / ")}) with percentile-bootstrap 95 % intervals; "vs nothing" is the paired difference to offering no discount. ` +
      `Purchase-prediction ROC-AUC on the test sessions: ${f3(result.rocAuc)}. The seed's criterion, offers / sum of offered discounts, has no value for a policy that offers nothing (–).</p>`,
    htmlTable(
      ["policy", "profit / session", "95 % interval", "vs nothing", "95 % interval", "purchase rate", "offers", "offers / Σ discount"],
      result.policies.map((p) => [
        p.policy, f2(p.value), `${f2(p.ci[0])} … ${f2(p.ci[1])}`, p.versusNothing ? f2(p.versusNothing.difference) : "",
        p.versusNothing ? `${f2(p.versusNothing.ci[0])} … ${f2(p.versusNothing.ci[1])}` : "", formatPercent(p.purchaseRate), formatNumber(Math.round(p.offers)),
        p.offersPerDiscountSum === null ? "–" : f3(p.offersPerDiscountSum),
      ]),
    ),
    `<div class="charts">${chart("policies")}</div>`,
    `<h3>Learners on the validation sessions</h3>`,
    htmlTable(["learner", "rule", "profit / session"], result.validation.map((v) => [v.label, v.rule, f2(v.value)])),
  ];
  if (result.oracle) {
    const o = result.oracle;
    parts.push(
      `<h3>Against the simulator's oracle</h3>`,
      `<p>The simulator knows every session's true purchase probability at every discount, so each policy's expected profit on the test sessions is exact here — no estimation noise. The oracle policy gives each session the discount with the largest true expected profit: ${f2(o.value)} per session.</p>`,
      htmlTable(["policy", "exact profit / session", "share of the oracle's"], o.policies.map((p) => [p.policy, f2(p.value), formatPercent(p.ratio)])),
      `<p>Ranking per discount level against 0 %, on the realised purchases of the test sessions: the learned uplift vs the true one.</p>`,
      htmlTable(["discount vs 0 %", "uplift@30 %", "oracle uplift@30 %", "Qini AUC", "oracle Qini AUC"],
        o.ranking.map((k) => [`${k.level} %`, f3(k.upliftAt30), f3(k.oracleUpliftAt30), f3(k.qiniAuc), f3(k.oracleQiniAuc)])),
    );
  }
  parts.push(`</section>`);
  return { html: parts.join("\n"), specs };
}
