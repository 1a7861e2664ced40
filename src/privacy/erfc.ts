// The complementary error function in float64, which JavaScript lacks: W. J. Cody's rational
// Chebyshev approximations ("Rational Chebyshev approximations for the error function", Math. Comp.
// 1969; the coefficients of netlib specfun's CALERF), good to about 1e-16 relative.

const THRESH = 0.46875;
const SQRT_PI_INV = 0.56418958354775628695;
// erf on |x| <= 0.46875
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
// erfcx on 0.46875 < x <= 4
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.952221241769090,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
// erfcx on x > 4: a rational function of 1/x^2 (the asymptotic series, resummed)
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 2.33520497626869185e-3];

/** erf(x) for |x| <= 0.46875. */
function erfSmall(x: number): number {
  const ysq = x * x;
  let num = A[4] * ysq, den = ysq;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]) * ysq;
    den = (den + B[i]) * ysq;
  }
  return (x * (num + A[3])) / (den + B[3]);
}

/** exp(x^2) erfc(x) for x > 0.46875: never underflows, so log-erfc stays exact far into the tail. */
export function erfcxPositive(y: number): number {
  if (y <= 4) {
    let num = C[8] * y, den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    return (num + C[7]) / (den + D[7]);
  }
  // beyond 6.71e7, 1 - 1/(2x^2) is 1 in float64
  if (y >= 6.71e7) return SQRT_PI_INV / y;
  const ysq = 1 / (y * y);
  let num = P[5] * ysq, den = ysq;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]) * ysq;
    den = (den + Q[i]) * ysq;
  }
  return (SQRT_PI_INV - (ysq * (num + P[4])) / (den + Q[4])) / y;
}

/** exp(-y^2) with y^2 split as a multiple of 1/256 plus the rest, so the square's rounding error does not reach the result (Cody). */
function expNegSquare(y: number): number {
  const head = Math.trunc(y * 16) / 16;
  return Math.exp(-head * head) * Math.exp(-(y - head) * (y + head));
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= THRESH) return 1 - erfSmall(x);
  const r = y >= 26.543 ? 0 : expNegSquare(y) * erfcxPositive(y);
  return x < 0 ? 2 - r : r;
}

/**
 * log(erfc(x)). For x > 0.46875 as log(erfcx(x)) - x^2, which is what TF Privacy's asymptotic
 * (Laurent) series approximates when erfc underflows, but accurate at every x.
 */
export function logErfc(x: number): number {
  if (x === Infinity) return -Infinity;
  if (x > THRESH) return Math.log(erfcxPositive(x)) - x * x;
  return Math.log(erfc(x));
}
