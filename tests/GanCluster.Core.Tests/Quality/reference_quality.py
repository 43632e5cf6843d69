"""Independent reference for the quality measures (the C# code is in src/GanCluster.Core/Quality).

Reads two feature sets written by the test (float64 text, one row per line), prints one JSON object:
  fid:  pytorch-fid's formula with scipy.linalg.sqrtm (a Schur-based matrix square root, not an eigendecomposition)
  kid:  unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 over the whole sets (one subset of all images)
  precision, recall, density, coverage: k-NN balls (k from argv) with scipy.spatial.distance.cdist
Usage: python3 reference_quality.py REAL.txt FAKE.txt K
"""
import json
import sys

import numpy as np
from scipy import linalg
from scipy.spatial.distance import cdist


def fid(x, y):
    mu1, mu2 = x.mean(axis=0), y.mean(axis=0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kid(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    xx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    yy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(xx + yy - 2 * kxy.mean())


def knn_radii(x, k):
    d = cdist(x, x)
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def manifold(x, y, k):
    rx, ry = knn_radii(x, k), knn_radii(y, k)
    d = cdist(x, y)  # [real, fake]
    inside = d <= rx[:, None]
    return {
        "precision": float(inside.any(axis=0).mean()),
        "recall": float((d <= ry[None, :]).any(axis=1).mean()),
        "density": float(inside.sum() / (k * len(y))),
        "coverage": float((d.min(axis=1) <= rx).mean()),
    }


if __name__ == "__main__":
    real, fake, k = np.loadtxt(sys.argv[1], ndmin=2), np.loadtxt(sys.argv[2], ndmin=2), int(sys.argv[3])
    print(json.dumps({"fid": fid(real, fake), "kid": kid(real, fake), **manifold(real, fake, k)}))
