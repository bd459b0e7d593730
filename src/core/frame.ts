/**
 * A table of named, typed columns as it comes from the store or a file, before encoding:
 * numeric columns are Float64Array (NaN = missing), categorical ones string arrays (null =
 * missing). Preprocessing turns a Frame into a Matrix.
 */
import { PatronError } from "./errors.ts";

export type FrameColumn =
  | { readonly name: string; readonly kind: "numeric"; readonly values: Float64Array }
  | { readonly name: string; readonly kind: "categorical"; readonly values: readonly (string | null)[] };

export interface Frame {
  readonly nRows: number;
  readonly columns: readonly FrameColumn[];
}

export function frame(columns: readonly FrameColumn[]): Frame {
  const nRows = columns[0]?.values.length ?? 0;
  for (const c of columns) {
    if (c.values.length !== nRows) {
      throw new PatronError("E_SHAPE", `column "${c.name}" has ${c.values.length} rows, expected ${nRows}`);
    }
  }
  return { nRows, columns };
}

export function frameColumn(f: Frame, name: string): FrameColumn {
  const found = f.columns.find((c) => c.name === name);
  if (!found) {
    throw new PatronError("E_COLUMN", `no column "${name}"; have ${f.columns.map((c) => c.name).join(", ")}`);
  }
  return found;
}

export function takeFrameRows(f: Frame, index: ArrayLike<number>): Frame {
  return frame(
    f.columns.map((c): FrameColumn => {
      if (c.kind === "numeric") {
        const values = new Float64Array(index.length);
        for (let r = 0; r < index.length; r++) values[r] = c.values[index[r]];
        return { name: c.name, kind: "numeric", values };
      }
      const values: (string | null)[] = new Array(index.length);
      for (let r = 0; r < index.length; r++) values[r] = c.values[index[r]];
      return { name: c.name, kind: "categorical", values };
    }),
  );
}

export function dropFrameColumns(f: Frame, names: readonly string[]): Frame {
  return frame(f.columns.filter((c) => !names.includes(c.name)));
}
