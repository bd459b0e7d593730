/**
 * `patron profile`: the exploratory analysis every project starts with (pandas' describe(),
 * value_counts(), corr(), duplicated(), ydata-profiling's alerts), computed in the store for
 * any table. Each step is one or a few SQL scans; only summaries come back. This file only
 * orders the steps and collects their results; each step lives in its own file.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { silentProgress, type Progress } from "../core/progress.ts";
import type { Store } from "../store/store.ts";
import { crossColumnSpellings, FULL_VALUE_LIST, nearDuplicateValues, TOP_VALUES, valueCounts } from "./categories.ts";
import { columnStats, type ColumnSummary } from "./column-stats.ts";
import { correlations, MAX_CORRELATION_COLUMNS } from "./correlation.ts";
import { drift } from "./drift.ts";
import { duplicates } from "./duplicates.ts";
import { chooseRange, histograms, type HistogramRequest } from "./histogram.ts";
import { labelAssociation } from "./label-association.ts";
import { outliers, type OutlierInput } from "./outliers.ts";
import { explainNegatives, isCodeLike, offPattern } from "./patterns.ts";
import { findColumn, restrictRelation, type Relation, type RelationColumn } from "./relation.ts";
import type { ColumnProfile, CrossTableSpelling, DriftReport, ProfileReport, TableFindings, TableProfile, ValueCount } from "./types.ts";
import { crossTableWarnings, driftWarnings, RARE_NEGATIVE_SHARE, tableWarnings } from "./warnings.ts";

export const ProfileOptions = z.strictObject({
  /** A label column: adds per-feature ROC-AUC / mutual information and leakage checks. */
  label: z.string().min(1).optional(),
  /** The positive class of a binary label (default: the larger value, as scikit-learn). */
  positive: z.string().optional(),
  /** Columns that must be unique keys (duplicate-id warnings for them whatever their shape). */
  keyColumns: z.array(z.string()).default([]),
  bins: z.number().int().min(1).max(200).default(20),
});
export type ProfileOptions = z.input<typeof ProfileOptions>;

export interface ProfiledTable {
  profile: TableProfile;
  /** Complete value counts of the categorical columns with few distinct values. */
  valueLists: Map<string, ValueCount[]>;
}

export async function profileTable(store: Store, relation: Relation, source: string, options: ProfileOptions = {}, progress: Progress = silentProgress): Promise<ProfiledTable> {
  const opts = ProfileOptions.parse(options);
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[step] = Math.round(performance.now() - started);
      progress.tick();
    }
  };
  progress.start(`profile ${relation.name}`, 8);
  const label = opts.label !== undefined ? findColumn(relation, opts.label) : undefined;
  for (const key of opts.keyColumns) findColumn(relation, key);

  const stats = await timed("stats", () => columnStats(store, relation));
  const nRows = stats.nRows;
  const summary = (c: RelationColumn) => stats.byColumn.get(c.name)!;
  const columns: ColumnProfile[] = relation.columns.map((c) => {
    const s = summary(c);
    return {
      name: c.name, type: c.type, kind: c.kind, nMissing: s.nMissing, nDistinct: s.nDistinct, idLike: c.idLike,
      ...(s.numeric ? { numeric: s.numeric } : {}),
      ...(s.text ? { text: s.text } : {}),
      ...(s.temporal ? { temporal: { min: s.temporal.min, max: s.temporal.max } } : {}),
      top: [],
    };
  });
  const profileOf = (c: RelationColumn) => columns[relation.columns.indexOf(c)];

  const valueLists = new Map<string, ValueCount[]>();
  await timed("values", async () => {
    for (const c of relation.columns) {
      if (c.kind === "temporal" || summary(c).nDistinct === 0) continue;
      const whole = c.kind === "categorical" && summary(c).nDistinct <= FULL_VALUE_LIST;
      const counts = await valueCounts(store, relation, c, whole ? FULL_VALUE_LIST : TOP_VALUES);
      if (whole) valueLists.set(c.name, counts);
      profileOf(c).top = counts.slice(0, TOP_VALUES);
    }
  });

  await timed("histograms", async () => {
    const requests: HistogramRequest[] = [];
    for (const c of relation.columns) {
      const s = summary(c);
      if (s.numeric && !c.idLike) {
        const q = s.numeric.quantiles;
        const range = chooseRange({ min: s.numeric.min, max: s.numeric.max, q25: q["0.25"], q75: q["0.75"], integerValued: s.numeric.nNonInteger === 0 }, opts.bins);
        requests.push({ column: c, range, unit: "value" });
      } else if (s.temporal) {
        const range = chooseRange({ min: s.temporal.minSeconds, max: s.temporal.maxSeconds, integerValued: false }, opts.bins);
        requests.push({ column: c, range, unit: "epoch-seconds" });
      }
    }
    const found = await histograms(store, relation, requests);
    requests.forEach((r, k) => (profileOf(r.column).histogram = found[k]));
  });

  const measures = relation.columns.filter((c) => c.kind === "numeric" && !c.idLike && summary(c).numeric !== undefined && c !== label);
  await timed("outliers", async () => {
    const inputs: OutlierInput[] = measures.map((c) => {
      const q = summary(c).numeric!.quantiles;
      return { column: c, q25: q["0.25"], median: q["0.5"], q75: q["0.75"] };
    });
    for (const [name, report] of await outliers(store, relation, inputs)) columns.find((c) => c.name === name)!.outliers = report;
  });

  const correlated = measures.filter((c) => (summary(c).numeric!.std ?? 0) > 0).slice(0, MAX_CORRELATION_COLUMNS);
  const correlation = await timed("correlation", () => correlations(store, relation, correlated, (name) => stats.byColumn.get(name)!.nMissing > 0));

  // Candidate keys: named ones, and id-like columns unique for ≥ 90 % of their rows.
  const nearUnique = (c: RelationColumn) => c.idLike && summary(c).nDistinct >= 0.9 * (nRows - summary(c).nMissing);
  const idColumns = [...new Set([...relation.columns.filter(nearUnique).map((c) => c.name), ...opts.keyColumns])];
  const dup = await timed("duplicates", () => duplicates(store, relation, idColumns));

  const findings = await timed("patterns", () => patternFindings(store, relation, columns, nRows, valueLists, (name) => stats.byColumn.get(name)?.leading));

  const labelReport = label
    ? await timed("label", () =>
        labelAssociation(
          store,
          relation,
          { label, positive: opts.positive },
          relation.columns.map((c) => ({ column: c, nDistinct: summary(c).nDistinct })),
        ),
      )
    : undefined;
  progress.stop();

  const profile: TableProfile = {
    table: relation.name,
    source,
    nRows,
    columns,
    duplicates: dup,
    correlation,
    ...(labelReport ? { label: labelReport } : {}),
    findings,
    timings,
  };
  return { profile, valueLists };
}

async function patternFindings(
  store: Store,
  relation: Relation,
  columns: readonly ColumnProfile[],
  nRows: number,
  valueLists: Map<string, ValueCount[]>,
  leadingOf: (name: string) => ColumnSummary["leading"],
): Promise<TableFindings> {
  const findings: TableFindings = { offPattern: [], negatives: [], nearDuplicates: [] };
  const codeColumns: RelationColumn[] = [];
  for (let j = 0; j < relation.columns.length; j++) {
    const c = relation.columns[j];
    const p = columns[j];
    if (c.kind !== "categorical") continue;
    const nonNull = nRows - p.nMissing;
    const leading = leadingOf(c.name);
    const shape = isCodeLike({ nonNull, nDistinct: p.nDistinct, leading });
    if (c.idLike || shape) codeColumns.push(c);
    if (shape) {
      const share = leading!.digit / nonNull;
      findings.offPattern.push(await offPattern(store, relation, c, shape, share));
    }
    const list = valueLists.get(c.name);
    // Nested values (structs, lists, JSON) print as text but are not categories to spell-check.
    if (list && !/^(struct|map|list|union|json)|\[\]$/i.test(c.type)) {
      const pairs = nearDuplicateValues(list);
      if (pairs.length > 0) findings.nearDuplicates.push({ column: c.name, pairs });
    }
  }
  // Negative values in an otherwise positive measure (≤ 5 % of its non-zero values).
  const rareNegatives = relation.columns.filter((c, j) => {
    const num = columns[j].numeric;
    if (c.kind !== "numeric" || c.idLike || !num || num.nNegative === 0) return false;
    return num.nNegative <= RARE_NEGATIVE_SHARE * (nRows - columns[j].nMissing - num.nZero);
  });
  const markers = await explainNegatives(store, relation, rareNegatives, codeColumns);
  for (const c of rareNegatives) {
    findings.negatives.push({ column: c.name, nNegative: columns[relation.columns.indexOf(c)].numeric!.nNegative, ...(markers.get(c.name) ?? {}) });
  }
  return findings;
}

/**
 * Profiles several tables and looks across them for values spelled two ways. With a label,
 * the tables that have that column get label association and leakage checks.
 */
export async function profileTables(
  store: Store,
  tables: ReadonlyArray<{ relation: Relation; source: string }>,
  options: ProfileOptions = {},
  progress: Progress = silentProgress,
): Promise<ProfileReport> {
  if (tables.length === 0) throw new PatronError("E_PROFILE_INPUT", "nothing to profile: give a file, --table NAME or --preset NAME.");
  // A label applies to the tables that have it; naming one that no table has is an error.
  const hasLabel = (r: Relation) => options.label !== undefined && r.columns.some((c) => c.name === options.label);
  if (options.label !== undefined && !tables.some((t) => hasLabel(t.relation))) {
    const first = tables[0].relation;
    throw new PatronError(
      "E_COLUMN",
      `label column "${options.label}" is not in ${tables.map((t) => t.relation.name).join(", ")}; check the spelling (${first.name} has ${first.columns.map((c) => c.name).join(", ")}).`,
    );
  }
  const done: ProfiledTable[] = [];
  for (const t of tables) {
    const own = hasLabel(t.relation) ? options : { ...options, label: undefined, positive: undefined };
    done.push(await profileTable(store, t.relation, t.source, own, progress));
  }
  const crossTable = crossTableFindings(done);
  const warnings = [
    ...done.flatMap((t) => tableWarnings(t.profile, { keyColumns: ProfileOptions.parse(options).keyColumns })),
    ...crossTableWarnings(crossTable),
  ];
  return {
    engine: store.kind,
    tables: done.length,
    columns: done.reduce((s, t) => s + t.profile.columns.length, 0),
    warnings,
    profiles: done.map((t) => t.profile),
    crossTable,
    drift: [],
  };
}

/**
 * For every two categorical columns of different tables that share at least one value: values
 * of the column with fewer distinct values that the other spells differently. The column with
 * the larger vocabulary is taken as the reference spelling.
 */
export function crossTableFindings(done: readonly ProfiledTable[]): CrossTableSpelling[] {
  const out: CrossTableSpelling[] = [];
  for (let a = 0; a < done.length; a++) {
    for (let b = a + 1; b < done.length; b++) {
      for (const [colA, listA] of done[a].valueLists) {
        for (const [colB, listB] of done[b].valueLists) {
          const [left, right] = listA.length <= listB.length
            ? [{ t: done[a], col: colA, list: listA }, { t: done[b], col: colB, list: listB }]
            : [{ t: done[b], col: colB, list: listB }, { t: done[a], col: colA, list: listA }];
          for (const pair of crossColumnSpellings(left.list, right.list)) {
            out.push({ table: left.t.profile.table, column: left.col, otherTable: right.t.profile.table, otherColumn: right.col, pair });
          }
        }
      }
    }
  }
  return out;
}

/** PSI per column between two relations with the same columns (ids and times left out). */
export async function driftBetween(store: Store, table: string, baseline: Relation, current: Relation, exclude: readonly string[] = []): Promise<{ report: DriftReport; warnings: ReturnType<typeof driftWarnings> }> {
  const currentNames = new Set(current.columns.map((c) => c.name));
  const shared = baseline.columns.filter((c) => currentNames.has(c.name) && !c.idLike && c.kind !== "temporal" && !exclude.includes(c.name));
  if (shared.length === 0) {
    throw new PatronError(
      "E_PROFILE_INPUT",
      `${baseline.name} and ${current.name} share no comparable columns (found ${baseline.columns.map((c) => c.name).join(", ")} and ${current.columns.map((c) => c.name).join(", ")}); compare two snapshots of the same table.`,
    );
  }
  const report = await drift(store, table, baseline, current, shared);
  return { report, warnings: driftWarnings(report) };
}

/** Two periods of one table: rows before `splitDate` (baseline) and from it on (current). */
export async function driftByDate(store: Store, relation: Relation, dateColumn: string, splitDate: string) {
  const column = findColumn(relation, dateColumn);
  if (column.kind !== "temporal") {
    throw new PatronError("E_PROFILE_INPUT", `--date-column ${dateColumn} must be a date or timestamp column; found type ${column.type}. Pick a date column.`);
  }
  if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$/.test(splitDate)) {
    throw new PatronError("E_PROFILE_INPUT", `--split-date must look like 2011-06-01 or 2011-06-01T12:00; found ${JSON.stringify(splitDate)}.`);
  }
  const at = store.dialect.timestamp(splitDate.length === 10 ? `${splitDate} 00:00:00` : splitDate.replace("T", " "));
  const before = restrictRelation(relation, `${relation.name} before ${splitDate}`, `${column.ident} < ${at}`, "baseline_period");
  const after = restrictRelation(relation, `${relation.name} from ${splitDate}`, `${column.ident} >= ${at}`, "current_period");
  return driftBetween(store, relation.name, before, after, [dateColumn]);
}
