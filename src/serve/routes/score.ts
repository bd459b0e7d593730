/**
 * POST /v1/score (write key): upload a customer CSV (body text/csv, or multipart/form-data with
 * a "file" field) and get it back scored by the active uplift model — CSV by default, JSON
 * (columns, rows, summary) with ?format=json. Per-row problems come back as 400 JSON listing
 * line, column and reason; no active uplift model is 409. See src/serve/score.ts.
 */
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { ZodApp } from "../app.ts";
import { PatronError } from "../../core/errors.ts";
import { multipartFile, parseCsv, writeCsv } from "../csv.ts";
import { scoreTable } from "../score.ts";
import { ScoreQuery } from "../schemas.ts";
import { noScorer, type Service } from "../service.ts";

export async function register(app: ZodApp, service: Service): Promise<void> {
  // Own plugin scope: the CSV and multipart body parsers apply to this route only.
  await app.register(async (scope) => {
    scope.addContentTypeParser(["text/csv", "text/plain", "application/csv"], { parseAs: "string", bodyLimit: service.options.scoreBodyLimit }, (_request, body, done) => done(null, body));
    scope.addContentTypeParser("multipart/form-data", { parseAs: "buffer", bodyLimit: service.options.scoreBodyLimit }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post("/v1/score", {
      bodyLimit: service.options.scoreBodyLimit,
      config: { auth: "write" },
      schema: {
        summary: "Score a customer CSV with the active uplift model: uplift, customer type, decision per row",
        tags: ["scoring"],
        security: [{ apiKey: [] }, { bearer: [] }],
        querystring: ScoreQuery,
        consumes: ["text/csv", "multipart/form-data"],
      },
    }, async (request, reply) => {
      const scorer = service.scorer;
      if (!scorer) throw noScorer();
      const contentType = String(request.headers["content-type"] ?? "");
      let text: string;
      let source = "the uploaded file";
      if (Buffer.isBuffer(request.body)) {
        const file = multipartFile(request.body, contentType);
        text = file.text;
        if (file.filename) source = file.filename;
      } else if (typeof request.body === "string") text = request.body;
      else throw new PatronError("E_UNSUPPORTED_MEDIA_TYPE", `send the CSV as text/csv or multipart/form-data; found ${contentType || "no Content-Type"}.`);
      const result = scoreTable(scorer, parseCsv(text, source), source);
      reply.header("x-patron-model-version", scorer.version);
      if (request.query.format === "json") {
        return reply.type("application/json; charset=utf-8").serializer(JSON.stringify).send({ columns: result.header, rows: result.rows, summary: result.summary });
      }
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="scored.csv"')
        .serializer((payload: unknown) => payload as string)
        .send(writeCsv(result.header, result.rows));
    });
  });
}
