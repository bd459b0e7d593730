/**
 * Deterministic holdout assignment: a customer is in the control group of an experiment when
 * u = hash(experiment, customer) ∈ [0, 1) is below the control share. The same customer always
 * lands in the same group of the same experiment (on every process, after every restart), and
 * different experiments split customers independently — the "salted hash" bucketing of online
 * experimentation platforms (Kohavi, Tang & Xu 2020, ch. 14). u is the first 52 bits of
 * SHA-256(experiment ‖ ":" ‖ customer) over 2^52 (experiment names cannot contain ":", so the
 * input is unambiguous), so anyone can recompute the groups, e.g. in PostgreSQL:
 *   ('x' || substr(encode(sha256(convert_to(experiment || ':' || customer_id, 'UTF8')), 'hex'), 1, 13))::bit(52)::bigint / 2^52
 */
import { hash } from "node:crypto";
import { PatronError } from "../core/errors.ts";

const TWO_POW_52 = 2 ** 52;

/** The customer's position in [0, 1) for this experiment. */
export function assignmentUnit(experiment: string, customerId: string): number {
  const digest = hash("sha256", `${experiment}:${customerId}`, "buffer");
  // 52 bits: 6 whole bytes (48) plus the top 4 bits of the seventh; exact in a double.
  const high = digest.readUIntBE(0, 6);
  return (high * 16 + (digest[6] >>> 4)) / TWO_POW_52;
}

/** Experiment names: letters, digits, '.', '_' and '-' (no ':', the hash input's separator). */
export const EXPERIMENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function checkControlShare(share: number): number {
  if (!(share >= 0 && share < 1)) {
    throw new PatronError("E_OPTION", `the control share must be in [0, 1) (0.1 = 10 % of customers held out); found ${share}.`);
  }
  return share;
}

export interface Assignment {
  holdout: boolean;
  /** The hash position; holdout ⇔ unit < control share. */
  unit: number;
}

export function assign(experiment: string, customerId: string, controlShare: number): Assignment {
  const unit = assignmentUnit(experiment, customerId);
  return { holdout: unit < controlShare, unit };
}
