/**
 * The money-weighted return of dated cash flows (XIRR): the annual rate r with
 * Σ amount_i / (1 + r)^(days_i / 365) = 0, days counted from the first flow (Excel's XIRR
 * convention). Newton's method from 10 %; when it does not converge to a rate above -100 %,
 * bisection over a bracket where the sum changes sign. No rate (all flows of one sign, or no
 * sign change to bracket) is null, never a guess.
 *
 * The solver works in binary floating point: it only looks for a ratio, to far more digits
 * than the 4 decimals anyone reads; the amounts it is given are exact decimals converted at
 * this last step, and no amount ever comes back out of it.
 */

export interface DatedFlow {
  /** Days after the first flow. */
  day: number;
  /** Money into the investor (a withdrawal, the final value) is positive; money put in is negative. */
  amount: number;
}

const TOLERANCE = 1e-10;
const LOWEST_RATE = -0.9999999;
const HIGHEST_RATE = 1e9;

function presentValue(flows: readonly DatedFlow[], rate: number): number {
  let sum = 0;
  for (const flow of flows) sum += flow.amount / Math.pow(1 + rate, flow.day / 365);
  return sum;
}

function derivative(flows: readonly DatedFlow[], rate: number): number {
  let sum = 0;
  for (const flow of flows) {
    const years = flow.day / 365;
    sum -= (years * flow.amount) / Math.pow(1 + rate, years + 1);
  }
  return sum;
}

/** The rate, or null when the flows have none (see the module comment). */
export function xirr(flows: readonly DatedFlow[]): number | null {
  const relevant = flows.filter((flow) => flow.amount !== 0);
  if (!relevant.some((flow) => flow.amount > 0) || !relevant.some((flow) => flow.amount < 0)) return null;
  const scale = Math.max(...relevant.map((flow) => Math.abs(flow.amount)));
  const converged = (rate: number) => Math.abs(presentValue(relevant, rate)) <= TOLERANCE * scale;

  let rate = 0.1;
  for (let step = 0; step < 50; step += 1) {
    const slope = derivative(relevant, rate);
    if (!Number.isFinite(slope) || slope === 0) break;
    const next = rate - presentValue(relevant, rate) / slope;
    if (!Number.isFinite(next) || next <= -1) break;
    if (Math.abs(next - rate) < 1e-12) {
      rate = next;
      break;
    }
    rate = next;
  }
  if (rate > -1 && Number.isFinite(rate) && converged(rate)) return rate;
  return bisect(relevant);
}

/** Bisection over [-99.99999 %, 100 %], the top widened tenfold up to 10⁹; null without a sign change. */
function bisect(flows: readonly DatedFlow[]): number | null {
  let low = LOWEST_RATE;
  let high = 1;
  let atLow = presentValue(flows, low);
  if (Number.isNaN(atLow)) return null;
  while (Math.sign(presentValue(flows, high)) === Math.sign(atLow) && high < HIGHEST_RATE) high *= 10;
  const atHigh = presentValue(flows, high);
  if (Number.isNaN(atHigh) || Math.sign(atHigh) === Math.sign(atLow)) return null;
  for (let step = 0; step < 200; step += 1) {
    const middle = (low + high) / 2;
    const atMiddle = presentValue(flows, middle);
    if (atMiddle === 0 || high - low < 1e-13) return middle;
    if (Math.sign(atMiddle) === Math.sign(atLow)) {
      low = middle;
      atLow = atMiddle;
    } else {
      high = middle;
    }
  }
  return (low + high) / 2;
}
