/**
 * Row splits for model selection: train/test split (optionally stratified), k-fold, stratified
 * k-fold and repeated stratified k-fold. StratifiedKFold without shuffling assigns folds by
 * scikit-learn 1.2's rule exactly (classes in order of first appearance, per-fold class counts
 * by round robin over the sorted labels, each class's rows given to folds in blocks), so folds
 * built from the same labels are the same rows; shuffling uses our seeded Rng instead of numpy's.
 */
import { PatronError } from "../../core/errors.ts";
import { permutation, rng, type Rng } from "../../core/rng.ts";

export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** Folds from a fold number per row (row i is in the test set of fold testFold[i]). */
export function foldsFromAssignment(testFold: Int32Array, nSplits: number): Fold[] {
  return Array.from({ length: nSplits }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < testFold.length; i++) (testFold[i] === f ? test : train).push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}

function checkSplits(nSplits: number, nRows: number): void {
  if (!Number.isInteger(nSplits) || nSplits < 2) {
    throw new PatronError("E_FOLDS", `nSplits must be an integer ≥ 2; found ${nSplits}.`);
  }
  if (nRows < nSplits) {
    throw new PatronError("E_FOLDS", `cannot make ${nSplits} folds from ${nRows} rows; use at most ${nRows} folds or more data.`);
  }
}

export interface KFoldOptions {
  nSplits?: number;
  shuffle?: boolean;
  seed?: number;
}

/** scikit-learn's KFold: consecutive blocks, the first nRows % k folds one row larger. */
export function kFold(nRows: number, options: KFoldOptions = {}): Fold[] {
  const nSplits = options.nSplits ?? 5;
  checkSplits(nSplits, nRows);
  const order = options.shuffle ? permutation(nRows, rng(options.seed ?? 0)) : Int32Array.from({ length: nRows }, (_, i) => i);
  const testFold = new Int32Array(nRows);
  let start = 0;
  for (let f = 0; f < nSplits; f++) {
    const size = Math.floor(nRows / nSplits) + (f < nRows % nSplits ? 1 : 0);
    for (let r = start; r < start + size; r++) testFold[order[r]] = f;
    start += size;
  }
  return foldsFromAssignment(testFold, nSplits);
}

/** Classes numbered by first appearance, with their counts; checks stratification is possible. */
function encodeByAppearance(y: ArrayLike<number>, nSplits: number): { encoded: Int32Array; counts: number[] } {
  const code = new Map<number, number>();
  const encoded = new Int32Array(y.length);
  const counts: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) throw new PatronError("E_NAN", `labels must be finite for stratification; row ${i + 1} is ${v}.`);
    let k = code.get(v);
    if (k === undefined) {
      k = code.size;
      code.set(v, k);
      counts.push(0);
    }
    encoded[i] = k;
    counts[k]++;
  }
  if (counts.length < 2) {
    throw new PatronError("E_ONE_CLASS", `stratified splitting needs at least two classes; every row is ${y[0]}. Check the label column.`);
  }
  const labels = [...code.keys()];
  const small = counts.findIndex((c) => c < nSplits);
  if (small >= 0) {
    throw new PatronError(
      "E_FOLDS",
      `class ${labels[small]} has only ${counts[small]} rows, fewer than the ${nSplits} folds, so some folds would have none; use at most ${counts[small]} folds or more data.`,
    );
  }
  return { encoded, counts };
}

/** Fold number per row for StratifiedKFold (scikit-learn's _make_test_folds). */
export function stratifiedTestFolds(y: ArrayLike<number>, nSplits: number, random?: Rng): Int32Array {
  checkSplits(nSplits, y.length);
  const { encoded, counts } = encodeByAppearance(y, nSplits);
  const nClasses = counts.length;
  // allocation[f][k] = rows of class k in test fold f: round robin over the labels sorted by code.
  const allocation = Array.from({ length: nSplits }, () => new Array<number>(nClasses).fill(0));
  let position = 0;
  for (let k = 0; k < nClasses; k++) {
    for (let c = 0; c < counts[k]; c++, position++) allocation[position % nSplits][k]++;
  }
  const testFold = new Int32Array(y.length);
  for (let k = 0; k < nClasses; k++) {
    const foldsForClass: number[] = [];
    for (let f = 0; f < nSplits; f++) for (let c = 0; c < allocation[f][k]; c++) foldsForClass.push(f);
    if (random) {
      const order = permutation(foldsForClass.length, random);
      const shuffled = Array.from(order, (r) => foldsForClass[r]);
      foldsForClass.splice(0, foldsForClass.length, ...shuffled);
    }
    let next = 0;
    for (let i = 0; i < y.length; i++) if (encoded[i] === k) testFold[i] = foldsForClass[next++];
  }
  return testFold;
}

export function stratifiedKFold(y: ArrayLike<number>, options: KFoldOptions = {}): Fold[] {
  const nSplits = options.nSplits ?? 5;
  const random = options.shuffle ? rng(options.seed ?? 0) : undefined;
  return foldsFromAssignment(stratifiedTestFolds(y, nSplits, random), nSplits);
}

/** nRepeats shuffled stratified k-folds, each repetition from its own stream of the seed. */
export function repeatedStratifiedKFold(y: ArrayLike<number>, options: { nSplits?: number; nRepeats?: number; seed?: number } = {}): Fold[] {
  const nSplits = options.nSplits ?? 5;
  const nRepeats = options.nRepeats ?? 10;
  if (!Number.isInteger(nRepeats) || nRepeats < 1) throw new PatronError("E_FOLDS", `nRepeats must be an integer ≥ 1; found ${nRepeats}.`);
  const master = rng(options.seed ?? 0);
  const out: Fold[] = [];
  for (let r = 0; r < nRepeats; r++) out.push(...foldsFromAssignment(stratifiedTestFolds(y, nSplits, master.fork()), nSplits));
  return out;
}

/** Repeated k-fold for regression targets (shuffled each repetition). */
export function repeatedKFold(nRows: number, options: { nSplits?: number; nRepeats?: number; seed?: number } = {}): Fold[] {
  const nRepeats = options.nRepeats ?? 10;
  const master = rng(options.seed ?? 0);
  const out: Fold[] = [];
  for (let r = 0; r < nRepeats; r++) {
    out.push(...kFold(nRows, { nSplits: options.nSplits, shuffle: true, seed: Math.floor(master.next() * 4294967296) }));
  }
  return out;
}

export interface TrainTestOptions {
  /** Share of rows in the test set (0, 1), or a row count ≥ 1. Default 0.25. */
  testSize?: number;
  /** Labels to keep in the same proportions in both parts. */
  stratify?: ArrayLike<number>;
  seed?: number;
  /** false keeps row order (the last rows are the test set); not with stratify. */
  shuffle?: boolean;
}

/**
 * A seeded train/test split. Test size as scikit-learn: ceil(share × n). Stratified, each class
 * gets its share of the test rows by largest remainder (so the test set is as close to the class
 * proportions as integers allow) and its rows are drawn at random.
 */
export function trainTestSplit(nRows: number, options: TrainTestOptions = {}): Fold {
  const testSize = options.testSize ?? 0.25;
  const nTest = testSize < 1 ? Math.ceil(testSize * nRows) : testSize;
  if (!(testSize > 0) || !Number.isInteger(nTest) || nTest < 1 || nTest >= nRows) {
    throw new PatronError("E_FOLDS", `testSize ${testSize} leaves no rows for training or testing among ${nRows}; use a share in (0, 1) or a count below ${nRows}.`);
  }
  const random = rng(options.seed ?? 0);
  const isTest = new Uint8Array(nRows);
  if (options.stratify) {
    if (options.stratify.length !== nRows) {
      throw new PatronError("E_SHAPE", `stratify has ${options.stratify.length} labels for ${nRows} rows.`);
    }
    if (options.shuffle === false) throw new PatronError("E_OPTION", "a stratified split must shuffle; drop shuffle: false or stratify.");
    const { encoded, counts } = encodeByAppearance(options.stratify, 2);
    const exact = counts.map((c) => (c * nTest) / nRows);
    const take = exact.map(Math.floor);
    let missing = nTest - take.reduce((a, b) => a + b, 0);
    const byRemainder = [...exact.keys()].sort((a, b) => exact[b] - take[b] - (exact[a] - take[a]) || a - b);
    for (const k of byRemainder) {
      if (missing === 0) break;
      if (take[k] < counts[k] - 1) {
        take[k]++;
        missing--;
      }
    }
    for (let k = 0; k < counts.length; k++) {
      const rows: number[] = [];
      for (let i = 0; i < nRows; i++) if (encoded[i] === k) rows.push(i);
      const order = permutation(rows.length, random);
      for (let r = 0; r < take[k]; r++) isTest[rows[order[r]]] = 1;
    }
  } else if (options.shuffle === false) {
    for (let i = nRows - nTest; i < nRows; i++) isTest[i] = 1;
  } else {
    const order = permutation(nRows, random);
    for (let r = 0; r < nTest; r++) isTest[order[r]] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < nRows; i++) (isTest[i] ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
