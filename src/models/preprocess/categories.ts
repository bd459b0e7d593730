/**
 * Learning the categories of a column, shared by the one-hot and ordinal encoders. The order
 * is scikit-learn's (`np.unique`): numbers ascending, strings by Unicode code point, the
 * missing value (null, or NaN in a numeric column) last — so encoded columns line up with
 * scikit-learn's and reference fixtures compare position by position.
 */
import type { FrameColumn } from "../../core/frame.ts";

/** One category value: a string, a number (numeric columns can be encoded too), or null = missing. */
export type Category = string | number | null;

/** The category at row i, with NaN normalised to null so both kinds of missing are one key. */
export function categoryAt(c: FrameColumn, i: number): Category {
  if (c.kind === "numeric") {
    const v = c.values[i];
    return Number.isNaN(v) ? null : v;
  }
  return c.values[i];
}

/**
 * Code-point order (NumPy's order for unicode arrays). JavaScript's `<` compares UTF-16 code
 * units, which differs only when a surrogate pair meets a character at U+E000 or above.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let p = 0; p < n; p++) {
    const u = a.charCodeAt(p);
    const v = b.charCodeAt(p);
    if (u === v) continue;
    const uSurrogate = u >= 0xd800 && u <= 0xdfff;
    const vSurrogate = v >= 0xd800 && v <= 0xdfff;
    if (uSurrogate && !vSurrogate && v >= 0xe000) return 1;
    if (vSurrogate && !uSurrogate && u >= 0xe000) return -1;
    return u - v;
  }
  return a.length - b.length;
}

export function compareCategories(a: Category, b: Category): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareStrings(String(a), String(b));
}

/** The distinct categories of a column in sorted order, with how often each occurs. */
export function countCategories(c: FrameColumn): { categories: Category[]; counts: number[] } {
  const tally = new Map<Category, number>();
  for (let i = 0; i < c.values.length; i++) {
    const key = categoryAt(c, i);
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const categories = [...tally.keys()].sort(compareCategories);
  return { categories, counts: categories.map((key) => tally.get(key)!) };
}

/** How a category appears in an output column name: `column=value`, missing as `<missing>`. */
export function categoryLabel(category: Category): string {
  return category === null ? "<missing>" : String(category);
}

/** Categories given by the user (JSON) must match the column's kind. */
export function categoryMatchesKind(category: Category, kind: FrameColumn["kind"]): boolean {
  return category === null || (kind === "numeric" ? typeof category === "number" : typeof category === "string");
}
