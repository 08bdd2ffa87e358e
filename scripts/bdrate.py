#!/usr/bin/env python3
"""BD-rate (Bjontegaard delta bitrate) of a test curve against an anchor curve.

Each curve is a list of (bits, psnr) points. Fits log(rate) as a polynomial in PSNR (cubic
from four points, the interpolating quadratic from three) over the overlapping PSNR range and returns the average rate difference in percent (negative:
the test needs fewer bits for the same quality).
"""
import math
import sys


def _fit(xs, ys):
    # Least-squares polynomial via normal equations, solved by Gaussian elimination. The degree
    # is at most one less than the number of points: more would leave the system singular.
    n = min(4, len(xs))
    a = [[sum(x ** (i + j) for x in xs) for j in range(n)] for i in range(n)]
    b = [sum(y * x ** i for x, y in zip(xs, ys)) for i in range(n)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[piv] = a[piv], a[col]
        b[col], b[piv] = b[piv], b[col]
        for r in range(n):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [u - f * v for u, v in zip(a[r], a[col])]
                b[r] -= f * b[col]
    return [b[i] / a[i][i] for i in range(n)]


def _integral(c, lo, hi):
    return sum(c[i] * (hi ** (i + 1) - lo ** (i + 1)) / (i + 1) for i in range(len(c)))


def bd_rate(anchor, test):
    pa = [p for _, p in anchor]
    pt = [p for _, p in test]
    ca = _fit(pa, [math.log(r) for r, _ in anchor])
    ct = _fit(pt, [math.log(r) for r, _ in test])
    lo, hi = max(min(pa), min(pt)), min(max(pa), max(pt))
    if hi <= lo:
        return float("nan")
    diff = (_integral(ct, lo, hi) - _integral(ca, lo, hi)) / (hi - lo)
    return (math.exp(diff) - 1) * 100


if __name__ == "__main__":
    # Self-check: a curve needing exactly 10 % fewer bits everywhere.
    anchor = [(1000, 30), (2000, 33), (4000, 36), (8000, 39)]
    test = [(r * 0.9, p) for r, p in anchor]
    got = bd_rate(anchor, test)
    assert abs(got + 10) < 1e-6, got
    got = bd_rate(anchor[:3], [(r * 1.2, p) for r, p in anchor[1:]])
    assert abs(got - 20) < 1e-6, got
    print("bd_rate self-check ok")
    sys.exit(0)
