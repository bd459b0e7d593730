/**
 * The dashboard's upload page (the X5 seed's demo stand): a marketer uploads a CSV of customers,
 * sees every problem per row in plain words, gets the table scored by the active uplift model —
 * uplift, customer type, decision and the reasons — and downloads it. The page itself is the
 * dashboard's ("/upload" in pages.ts) with the browser script served here; the data route is
 *
 *   POST /v1/dashboard/upload (read key): multipart/form-data with a "file" field, or text/csv.
 *   200 {file, columns, rows, summary, reasons} · 400 {error: {code, message, details: {errors:
 *   [{line, column, reason}]}}} when a row cannot be scored · 409 when no uplift model is active.
 *
 * Checking and scoring are /v1/score's (src/serve/score.ts, the uplift job's scorer); this adds the reasons: for a
 * T- or X-learner on trees, the top contributions to the row's uplift from exact uplift SHAP
 * (src/uplift/uplift-shap.ts) in words (src/explain/reasons.ts, e.g. "recency is low (2): +0.12
 * to uplift"); for other models, the predicted purchase chance with and without the offer.
 * It needs only the read scope: it changes nothing, and it shows what the dashboard shows.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { readFileSync } from "node:fs";
import { PatronError } from "../../core/errors.ts";
import { topReasons } from "../../explain/reasons.ts";
import { featuresFromCsv } from "../../jobs/uplift/scorer.ts";
import { asShapValues, upliftShap } from "../../uplift/uplift-shap.ts";
import type { TLearnerModel } from "../../uplift/t-learner.ts";
import type { XLearnerModel } from "../../uplift/x-learner.ts";
import { multipartFile, parseCsv, type CsvTable } from "../csv.ts";
import { scoreTable, type Scorer } from "../score.ts";
import { noScorer, type Service } from "../service.ts";

export const UPLOAD_SCRIPT_PATH = "/dashboard/upload/upload.js";
const REASONS_PER_ROW = 3;

let script: Buffer | undefined;

/** Up to three reasons per row in plain words (see the module comment). */
export function rowReasons(scorer: Scorer, table: CsvTable, bestArm: readonly number[]): string[][] {
  const { model } = scorer.scorer;
  // The same matrix the scores came from (one-hot categories included); the file was checked already.
  const x = featuresFromCsv(scorer.scorer, table, "the uploaded file");
  if (model.kind === "t-learner" || model.kind === "x-learner") {
    try {
      const out: string[][] = new Array(x.nRows);
      for (const arm of new Set(bestArm)) {
        const rows = bestArm.flatMap((a, i) => (a === arm ? [i] : []));
        const shap = upliftShap(model as unknown as TLearnerModel | XLearnerModel, x, { arm, ...(model.kind === "t-learner" ? { scale: "probability" as const } : {}) });
        const reasons = topReasons(asShapValues(shap), x, { target: "uplift", k: REASONS_PER_ROW, scale: "margin", rows, digits: 3 });
        rows.forEach((i, r) => (out[i] = reasons[r].map((reason) => reason.text)));
      }
      return out;
    } catch (error) {
      // Not a tree model inside (e.g. logistic bases): fall through to the responses.
      if (!(error instanceof PatronError)) throw error;
    }
  }
  const responses = model.predictResponses(x);
  const nArms = model.arms.length;
  const percent = (p: number) => `${(p * 100).toFixed(1)} %`;
  return bestArm.map((arm, i) => [
    `chance to respond ${percent(responses[i * nArms + arm])} with ${nArms > 2 ? model.arms[arm] : "contact"}, ${percent(responses[i * nArms])} without`,
  ]);
}

export async function uploadRoutes(app: FastifyInstance, service: Service): Promise<void> {
  app.get(UPLOAD_SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) => {
    script ??= readFileSync(new URL("./upload-page.js", import.meta.url));
    return reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").send(script);
  });

  // Own scope: the CSV and multipart body parsers apply to this route only.
  await app.register(async (scope) => {
    const limit = service.options.scoreBodyLimit;
    scope.addContentTypeParser(["text/csv", "text/plain", "application/csv"], { parseAs: "string", bodyLimit: limit }, (_request, body, done) => done(null, body));
    scope.addContentTypeParser("multipart/form-data", { parseAs: "buffer", bodyLimit: limit }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post("/v1/dashboard/upload", {
      bodyLimit: limit,
      config: { auth: "read" },
      schema: {
        summary: "The upload page's scoring: a customer CSV checked row by row, scored with uplift, type, decision and reasons",
        tags: ["dashboard"],
        security: [{ apiKey: [] }, { bearer: [] }],
        consumes: ["multipart/form-data", "text/csv"],
      },
    }, async (request, reply) => {
      const scorer = service.scorer;
      if (!scorer) throw noScorer();
      let text: string;
      let file = "the uploaded file";
      if (Buffer.isBuffer(request.body)) {
        const part = multipartFile(request.body, String(request.headers["content-type"] ?? ""));
        text = part.text;
        if (part.filename) file = part.filename;
      } else if (typeof request.body === "string") text = request.body;
      else throw new PatronError("E_UNSUPPORTED_MEDIA_TYPE", "send the CSV as a file in a form (multipart/form-data) or as text/csv.");
      const table = parseCsv(text, file);
      const result = scoreTable(scorer, table, file);
      const armColumn = result.header.indexOf("best_arm");
      const arms = scorer.scorer.model.arms;
      const bestArm = result.rows.map((row) => (armColumn >= 0 ? Math.max(1, arms.indexOf(row[armColumn])) : 1));
      const reasons = rowReasons(scorer, table, bestArm);
      return reply.type("application/json; charset=utf-8").serializer(JSON.stringify).send({
        file, columns: result.header, rows: result.rows, summary: result.summary, reasons,
      });
    });
  });
}
