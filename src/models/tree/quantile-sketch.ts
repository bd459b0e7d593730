/**
 * XGBoost's weighted quantile sketch (src/common/quantile.h: WQSummary, WQuantileSketch; Chen &
 * Guestrin 2016, appendix A), ported operation by operation so that our bin cuts are XGBoost's:
 * values stream into a buffer of 2·limitSize entries; a full buffer is sorted into a summary
 * (distinct values with rank bounds rmin/rmax and own weight wmin) and pushed up a ladder of
 * levels, merging (SetCombine) and pruning (SetPrune) to limitSize entries per level.
 *
 * Ranks are float32 in XGBoost (RType = float); every rank operation here is rounded with
 * Math.fround so that pruning picks the same entries.
 */

const f32 = Math.fround;

/** Struct-of-arrays WQSummary: entries sorted by value. */
export class Summary {
  value: Float64Array;
  rmin: Float64Array;
  rmax: Float64Array;
  wmin: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.value = new Float64Array(capacity);
    this.rmin = new Float64Array(capacity);
    this.rmax = new Float64Array(capacity);
    this.wmin = new Float64Array(capacity);
  }

  reserve(capacity: number): void {
    if (this.value.length >= capacity) return;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, this.size));
      return b;
    };
    this.value = grow(this.value);
    this.rmin = grow(this.rmin);
    this.rmax = grow(this.rmax);
    this.wmin = grow(this.wmin);
  }

  copyFrom(src: Summary): void {
    this.reserve(src.size);
    this.size = src.size;
    this.value.set(src.value.subarray(0, src.size));
    this.rmin.set(src.rmin.subarray(0, src.size));
    this.rmax.set(src.rmax.subarray(0, src.size));
    this.wmin.set(src.wmin.subarray(0, src.size));
  }

  private put(k: number, src: Summary, i: number): void {
    this.value[k] = src.value[i];
    this.rmin[k] = src.rmin[i];
    this.rmax[k] = src.rmax[i];
    this.wmin[k] = src.wmin[i];
  }

  /** WQSummary::SetPrune: maxSize entries with ranks spread evenly, first and last kept. */
  setPrune(src: Summary, maxSize: number): void {
    if (src.size <= maxSize) {
      this.copyFrom(src);
      return;
    }
    this.reserve(maxSize);
    const begin = src.rmax[0];
    const range = f32(src.rmin[src.size - 1] - src.rmax[0]);
    const n = maxSize - 1;
    this.put(0, src, 0);
    this.size = 1;
    let i = 1;
    let lastIdx = 0;
    for (let k = 1; k < n; k++) {
      const dx2 = f32(2 * f32(f32(f32(k * range) / n) + begin));
      while (i < src.size - 1 && dx2 >= f32(src.rmax[i + 1] + src.rmin[i + 1])) i++;
      const rminNext = f32(src.rmin[i] + src.wmin[i]);
      const rmaxPrev = f32(src.rmax[i + 1] - src.wmin[i + 1]);
      if (dx2 < f32(rminNext + rmaxPrev)) {
        if (i !== lastIdx) {
          this.put(this.size++, src, i);
          lastIdx = i;
        }
      } else if (i + 1 !== lastIdx) {
        this.put(this.size++, src, i + 1);
        lastIdx = i + 1;
      }
    }
    if (lastIdx !== src.size - 1) this.put(this.size++, src, src.size - 1);
  }

  /** WQSummary::SetCombine: the merged summary of a and b, then FixError. */
  setCombine(a: Summary, b: Summary): void {
    if (a.size === 0) return this.copyFrom(b);
    if (b.size === 0) return this.copyFrom(a);
    this.reserve(a.size + b.size);
    let ia = 0;
    let ib = 0;
    let aPrevRmin = 0;
    let bPrevRmin = 0;
    let d = 0;
    const set = (value: number, rmin: number, rmax: number, wmin: number) => {
      this.value[d] = value;
      this.rmin[d] = rmin;
      this.rmax[d] = rmax;
      this.wmin[d] = wmin;
      d++;
    };
    while (ia < a.size && ib < b.size) {
      const av = a.value[ia];
      const bv = b.value[ib];
      if (av === bv) {
        set(av, f32(a.rmin[ia] + b.rmin[ib]), f32(a.rmax[ia] + b.rmax[ib]), f32(a.wmin[ia] + b.wmin[ib]));
        aPrevRmin = f32(a.rmin[ia] + a.wmin[ia]);
        bPrevRmin = f32(b.rmin[ib] + b.wmin[ib]);
        ia++;
        ib++;
      } else if (av < bv) {
        set(av, f32(a.rmin[ia] + bPrevRmin), f32(a.rmax[ia] + f32(b.rmax[ib] - b.wmin[ib])), a.wmin[ia]);
        aPrevRmin = f32(a.rmin[ia] + a.wmin[ia]);
        ia++;
      } else {
        set(bv, f32(b.rmin[ib] + aPrevRmin), f32(b.rmax[ib] + f32(a.rmax[ia] - a.wmin[ia])), b.wmin[ib]);
        bPrevRmin = f32(b.rmin[ib] + b.wmin[ib]);
        ib++;
      }
    }
    if (ia < a.size) {
      const bRmax = b.rmax[b.size - 1];
      for (; ia < a.size; ia++) set(a.value[ia], f32(a.rmin[ia] + bPrevRmin), f32(a.rmax[ia] + bRmax), a.wmin[ia]);
    }
    if (ib < b.size) {
      const aRmax = a.rmax[a.size - 1];
      for (; ib < b.size; ib++) set(b.value[ib], f32(b.rmin[ib] + aPrevRmin), f32(b.rmax[ib] + aRmax), b.wmin[ib]);
    }
    this.size = d;
    this.fixError();
  }

  /** WQSummary::FixError: restores monotone rank bounds after float rounding. */
  private fixError(): void {
    let prevRmin = 0;
    let prevRmax = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.rmin[i] < prevRmin) this.rmin[i] = prevRmin;
      else prevRmin = this.rmin[i];
      if (this.rmax[i] < prevRmax) this.rmax[i] = prevRmax;
      const rminNext = f32(this.rmin[i] + this.wmin[i]);
      if (this.rmax[i] < rminNext) this.rmax[i] = rminNext;
      prevRmax = this.rmax[i];
    }
  }
}

/** QuantileSketchTemplate::LimitSizeLevel: entries per level for maxn values at accuracy eps. */
export function limitSize(maxn: number, eps: number): number {
  for (let nLevel = 1; ; nLevel++) {
    const limit = Math.ceil(nLevel / eps) + 1;
    if (2 ** nLevel * limit >= maxn) return limit;
  }
}

/** WQuantileSketch<float, float>, fed in row order. */
export class QuantileSketch {
  private readonly limit: number;
  private readonly queueValue: Float64Array;
  private readonly queueWeight: Float64Array;
  private qtail = 0;
  private unitWeights = true;
  private readonly levels: Summary[] = [];
  private temp: Summary;

  constructor(maxn: number, eps: number) {
    this.limit = limitSize(maxn, eps);
    this.queueValue = new Float64Array(2 * this.limit);
    this.queueWeight = new Float64Array(2 * this.limit);
    this.temp = new Summary(2 * this.limit);
  }

  push(x: number, w: number): void {
    if (w === 0) return;
    if (this.qtail === this.queueValue.length) {
      this.makeSummary(this.temp);
      this.qtail = 0;
      this.unitWeights = true;
      this.pushTemp();
    }
    const t = this.qtail;
    if (t === 0 || this.queueValue[t - 1] !== x) {
      this.queueValue[t] = x;
      this.queueWeight[t] = w;
      this.qtail = t + 1;
      if (w !== 1) this.unitWeights = false;
    } else {
      this.queueWeight[t - 1] = f32(this.queueWeight[t - 1] + w);
      this.unitWeights = false;
    }
  }

  /**
   * Queue::MakeSummary: the sorted distinct values with their summed weights. The values are
   * sorted natively; weights, when not all 1, are added per distinct value by binary search.
   */
  private makeSummary(out: Summary): void {
    const n = this.qtail;
    const sorted = this.queueValue.slice(0, n).sort();
    out.reserve(n);
    let size = 0;
    for (let i = 0; i < n; ) {
      const v = sorted[i];
      let j = i + 1;
      while (j < n && sorted[j] === v) j++;
      out.value[size] = v;
      out.wmin[size] = j - i;
      size++;
      i = j;
    }
    if (!this.unitWeights) {
      out.wmin.fill(0, 0, size);
      for (let s = 0; s < n; s++) {
        const v = this.queueValue[s];
        let lo = 0;
        let hi = size - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (out.value[mid] < v) lo = mid + 1;
          else hi = mid;
        }
        // XGBoost adds weights in sorted order; slots of one value are summed in slot order here,
        // which is the same sum (std::sort is not stable, but equal values' order only permutes
        // additions of the same weights when weights are integral, as sample counts are).
        out.wmin[lo] = f32(out.wmin[lo] + this.queueWeight[s]);
      }
    }
    let wsum = 0;
    for (let k = 0; k < size; k++) {
      out.rmin[k] = wsum;
      wsum = f32(wsum + out.wmin[k]);
      out.rmax[k] = wsum;
    }
    out.size = size;
  }

  private level(l: number): Summary {
    while (this.levels.length <= l) this.levels.push(new Summary(this.limit));
    return this.levels[l];
  }

  /** QuantileSketchTemplate::PushTemp: carries the temp summary up the levels. */
  private pushTemp(): void {
    for (let l = 1; ; l++) {
      this.level(l + 1);
      const current = this.level(l);
      if (current.size === 0) {
        current.setPrune(this.temp, this.limit);
        break;
      }
      const zero = this.level(0);
      zero.setPrune(this.temp, this.limit);
      this.temp.setCombine(zero, current);
      if (this.temp.size > this.limit) current.size = 0;
      else {
        current.copyFrom(this.temp);
        break;
      }
    }
  }

  /** QuantileSketchTemplate::GetSummary. */
  summary(): Summary {
    const out = new Summary(Math.max(1, this.qtail));
    this.makeSummary(out);
    if (this.levels.length !== 0) {
      const zero = this.level(0);
      zero.setPrune(out, this.limit);
      for (let l = 1; l < this.levels.length; l++) {
        const current = this.levels[l];
        if (current.size === 0) continue;
        if (zero.size === 0) zero.copyFrom(current);
        else {
          out.setCombine(zero, current);
          zero.setPrune(out, this.limit);
        }
      }
      out.copyFrom(zero);
    } else if (out.size > this.limit) {
      const pruned = new Summary(this.limit);
      pruned.setPrune(out, this.limit);
      out.copyFrom(pruned);
    }
    return out;
  }
}
