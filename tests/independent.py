"""Independent numpy references shared by the tests (written without ntkviz's own code):
the paper's rotated orbits and the one-hidden-layer ReLU MLP kernels."""

import math

import numpy as np
from scipy import ndimage


def rotated_orbit(image, N):
    """Cubic-spline rotations by 360k/N degrees, each demeaned and put on the unit sphere."""
    out = []
    for k in range(N):
        x = image if k == 0 else ndimage.rotate(image, 360 * k / N, axes=(1, 0), reshape=False,
                                                order=3, mode="constant", cval=0.0)
        x = x.ravel() - x.mean()
        out.append(x / np.linalg.norm(x))
    return np.array(out)


def mlp1_kernels(X):
    """NNGP and NTK of Dense(1, 1) → ReLU → Dense(1, 1) in the NTK parameterisation."""
    s1 = X @ X.T / X.shape[1] + 1.0
    q = np.sqrt(np.diag(s1))
    cos = np.clip(s1 / np.outer(q, q), -1, 1)
    t = np.arccos(cos)
    nngp = np.outer(q, q) * (np.sin(t) + (math.pi - t) * cos) / (2 * math.pi) + 1.0
    return nngp, s1 * (math.pi - t) / (2 * math.pi) + nngp
