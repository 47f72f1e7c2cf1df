// Numbers as the page shows them (significant digits, thousands, percents), and clamp.

export const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** `x` at `digits` significant digits, without trailing zeros; "—" for no value. */
export function fmtSig(x, digits = 6) {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e6) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1).replace(/\.?0+e/, "e");
}
export const fmtSmall = (x) => fmtSig(x, 3);
export const fmtInt = (n) => (n === null || n === undefined ? "—" : Math.round(n).toLocaleString("en-US"));
export const fmtPct = (x) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`);
