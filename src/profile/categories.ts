/**
 * Value counts per column (pandas' value_counts(), NULLs left out: missing values are counted
 * separately) and the search for categories that are spelled two ways — 'стандартт' beside
 * 'стандарт', 'предыдцщий_месяц' in one file and 'предыдущий_месяц' in another. The counting
 * is SQL; the comparison runs on the few hundred distinct values that come back, by
 * normalised form (case, spaces, punctuation, ё) and Levenshtein distance (Levenshtein 1966).
 */
import type { Store } from "../store/store.ts";
import type { Relation, RelationColumn } from "./relation.ts";
import type { SpellingPair, ValueCount } from "./types.ts";

export const TOP_VALUES = 10;
/** Columns with at most this many distinct values come back whole, for spelling checks. */
export const FULL_VALUE_LIST = 200;

export async function valueCounts(store: Store, relation: Relation, column: RelationColumn, limit: number): Promise<ValueCount[]> {
  // Numbers come back as numbers and are printed here, so both engines show "1" and "2.5".
  const rows = await store.query<{ value: unknown; n: number }>(
    `SELECT ${column.expr} AS value, count(*) AS n FROM ${relation.from}
      WHERE ${column.expr} IS NOT NULL GROUP BY ${column.expr} ORDER BY n DESC, value LIMIT ${limit}`,
  );
  return rows.map((r) => ({ value: r.value === null ? null : String(r.value), count: Number(r.n) }));
}

/** Lower case, ё → е, punctuation and runs of spaces or underscores folded to one space. */
export function normalizeCategory(value: string): string {
  return value
    .toLowerCase()
    .replaceAll("ё", "е")
    .replace(/[\s_\-.,;:'"()]+/gu, " ")
    .trim();
}

/** Levenshtein distance, stopping early once it exceeds `max` (we only care about 0–2). */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let k = 1; k <= b.length; k++) {
      const cost = a[i - 1] === b[k - 1] ? 0 : 1;
      current[k] = Math.min(previous[k] + 1, current[k - 1] + 1, previous[k - 1] + cost);
      rowMin = Math.min(rowMin, current[k]);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length];
}

/**
 * Two spellings of one category: the same normalised form (also once separators are dropped),
 * or one edit apart when both are at
 * least 6 characters long (two edits from 12). Shorter codes ('M' / 'F', 'A1' / 'A2') differ by
 * one character on purpose, so they are never matched.
 */
export function similarSpelling(a: string, b: string): boolean {
  if (a === b) return false;
  const na = normalizeCategory(a);
  const nb = normalizeCategory(b);
  if (na === nb) return na.length > 0;
  // 'e-mail' / 'email', 'New York' / 'Newyork': the same letters, separated differently.
  const squeezedA = na.replaceAll(" ", "");
  if (squeezedA.length >= 3 && squeezedA === nb.replaceAll(" ", "")) return true;
  const shorter = Math.min(na.length, nb.length);
  if (shorter < 6) return false;
  // Values that differ only in digits are numbered variants ('2011-01', 'size 10'), not typos.
  if (na.replace(/\d/g, "#") === nb.replace(/\d/g, "#")) return false;
  const allowed = shorter >= 12 ? 2 : 1;
  return editDistance(na, nb, allowed) <= allowed;
}

/** Pairs of values of one column spelled alike; `rare` is the less frequent spelling. */
export function nearDuplicateValues(values: readonly ValueCount[]): SpellingPair[] {
  const pairs: SpellingPair[] = [];
  for (let a = 0; a < values.length; a++) {
    for (let b = a + 1; b < values.length; b++) {
      const va = values[a];
      const vb = values[b];
      if (va.value === null || vb.value === null || !similarSpelling(va.value, vb.value)) continue;
      pairs.push(va.count <= vb.count ? { rare: va, common: vb } : { rare: vb, common: va });
    }
  }
  return pairs;
}

/**
 * Values of one column that are missing from another column sharing at least one exact value
 * with it, but have a near spelling there: a join or union on that column will silently drop
 * or split those rows.
 */
export function crossColumnSpellings(left: readonly ValueCount[], right: readonly ValueCount[]): SpellingPair[] {
  const leftSet = new Set(left.map((v) => v.value));
  const rightSet = new Set(right.map((v) => v.value));
  const shared = [...leftSet].some((v) => v !== null && rightSet.has(v));
  if (!shared) return [];
  const pairs: SpellingPair[] = [];
  for (const l of left) {
    if (l.value === null || rightSet.has(l.value)) continue;
    for (const r of right) {
      if (r.value === null || leftSet.has(r.value)) continue;
      if (similarSpelling(l.value, r.value)) pairs.push({ rare: l, common: r });
    }
  }
  return pairs;
}
