/**
 * The Barnes-Hut quadtree for 2-D t-SNE (van der Maaten 2014, §4.2; Barnes & Hut 1986): cells
 * summarise their points by count and centre of mass, and a cell far enough from a point
 * (width² < θ²·distance²) stands in for all its points in the repulsive force.
 */
/**
 * A 2-D quadtree over the current embedding, rebuilt each iteration (O(n log n)). Nodes live in
 * flat typed arrays (children of node m are the four consecutive nodes from child[m]) because
 * the traversal runs n times per iteration and object-per-node trees were 3× slower.
 */
export class QuadTree {
  comX: Float64Array;
  comY: Float64Array;
  count: Int32Array;
  width: Float64Array;
  child: Int32Array;
  start: Int32Array;
  end: Int32Array;
  nNodes = 0;
  readonly order: Int32Array;
  private stack: Int32Array;

  constructor(readonly y: Float64Array, n: number) {
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    const capacity = 8 * n + 16;
    this.comX = new Float64Array(capacity);
    this.comY = new Float64Array(capacity);
    this.count = new Int32Array(capacity);
    this.width = new Float64Array(capacity);
    this.child = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.stack = new Int32Array(capacity);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, y[2 * i]);
      maxX = Math.max(maxX, y[2 * i]);
      minY = Math.min(minY, y[2 * i + 1]);
      maxY = Math.max(maxY, y[2 * i + 1]);
    }
    const side = Math.max(maxX - minX, maxY - minY) * (1 + 1e-9) + 1e-12;
    this.nNodes = 1;
    this.build(0, 0, n, minX, minY, side, 0);
  }

  private grow(): void {
    const size = this.count.length * 2;
    const g64 = (a: Float64Array) => { const b = new Float64Array(size); b.set(a); return b; };
    const g32 = (a: Int32Array) => { const b = new Int32Array(size); b.set(a); return b; };
    this.comX = g64(this.comX);
    this.comY = g64(this.comY);
    this.width = g64(this.width);
    this.count = g32(this.count);
    this.child = g32(this.child);
    this.start = g32(this.start);
    this.end = g32(this.end);
    this.stack = g32(this.stack);
  }

  private build(node: number, from: number, to: number, x0: number, y0: number, side: number, depth: number): void {
    let sx = 0, sy = 0;
    for (let r = from; r < to; r++) {
      sx += this.y[2 * this.order[r]];
      sy += this.y[2 * this.order[r] + 1];
    }
    const count = to - from;
    this.comX[node] = count ? sx / count : 0;
    this.comY[node] = count ? sy / count : 0;
    this.count[node] = count;
    this.width[node] = side;
    this.child[node] = -1;
    this.start[node] = from;
    this.end[node] = to;
    if (count <= 1 || depth >= 50) return;
    // Partition this node's rows into the four quadrants (in place), then recurse.
    const half = side / 2;
    const mx = x0 + half;
    const my = y0 + half;
    const bounds = [from, 0, 0, 0, to];
    let cursor = from;
    for (let q = 0; q < 4; q++) {
      for (let r = cursor; r < to; r++) {
        const i = this.order[r];
        if ((this.y[2 * i] >= mx ? 1 : 0) + (this.y[2 * i + 1] >= my ? 2 : 0) === q) {
          this.order[r] = this.order[cursor];
          this.order[cursor++] = i;
        }
      }
      bounds[q + 1] = cursor;
    }
    while (this.nNodes + 4 > this.count.length) this.grow();
    const first = this.nNodes;
    this.nNodes += 4;
    this.child[node] = first;
    for (let q = 0; q < 4; q++) {
      this.build(first + q, bounds[q], bounds[q + 1], x0 + (q & 1 ? half : 0), y0 + (q & 2 ? half : 0), half, depth + 1);
    }
  }

  /** Adds point i's repulsive terms Σ q²·(y_i − y_j) into force and returns Σ q (unnormalised). */
  repulsion(i: number, theta2: number, force: Float64Array): number {
    const xi = this.y[2 * i];
    const yi = this.y[2 * i + 1];
    let sumQ = 0;
    let fx = 0, fy = 0;
    const stack = this.stack;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const size = this.count[node];
      if (size === 0) continue;
      const first = this.child[node];
      if (first < 0) {
        for (let r = this.start[node]; r < this.end[node]; r++) {
          const j = this.order[r];
          if (j === i) continue;
          const ex = xi - this.y[2 * j];
          const ey = yi - this.y[2 * j + 1];
          const q = 1 / (1 + ex * ex + ey * ey);
          sumQ += q;
          fx += q * q * ex;
          fy += q * q * ey;
        }
        continue;
      }
      const dx = xi - this.comX[node];
      const dy = yi - this.comY[node];
      const d2 = dx * dx + dy * dy;
      const w = this.width[node];
      if (d2 > 0 && w * w < theta2 * d2) {
        const q = 1 / (1 + d2);
        sumQ += size * q;
        fx += size * q * q * dx;
        fy += size * q * q * dy;
      } else {
        stack[top++] = first;
        stack[top++] = first + 1;
        stack[top++] = first + 2;
        stack[top++] = first + 3;
      }
    }
    force[2 * i] = fx;
    force[2 * i + 1] = fy;
    return sumQ;
  }
}
