"""Losses, each returning its value and its gradient in one call.

Both are averaged over the batch (N samples, K output units):

    squared error   E = 1/N sum_n 1/2 sum_k (y_nk - yhat_nk)^2       (the course's E)
    cross-entropy   L = 1/N sum_n sum_k [softplus(z_nk) - y_nk z_nk]  with yhat = sigma(z)

Cross-entropy is written in the logit z of the output unit, never in log(yhat): that
form stays finite and exact when yhat rounds to exactly 0 or 1 in float64.
"""

from __future__ import annotations

import numpy as np

from core.activations import sigmoid

LOSSES: tuple[str, ...] = ("squared_error", "bce")


def _check_pair(pred: np.ndarray, y: np.ndarray, pred_name: str) -> None:
    if pred.shape != y.shape:
        raise ValueError(f"y must have the shape of {pred_name} {pred.shape}; got {y.shape}")
    if pred.ndim != 2 or pred.shape[0] < 1:
        raise ValueError(f"{pred_name} must be a 2-D array (batch, outputs); got {pred.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y must be finite (no nan or inf)")


def squared_error(y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """E and dE/dyhat = (yhat - y) / N.  y_hat, y (N, K) -> (float, (N, K))."""
    _check_pair(y_hat, y, "y_hat")
    diff = y_hat - y
    n = y_hat.shape[0]
    return float(0.5 * np.sum(diff * diff) / n), diff / n


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z), without overflow for large z and without losing small values."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def binary_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Cross-entropy of targets y in [0, 1] against probabilities sigma(logits).

    Returns L and dL/dlogits = (sigma(z) - y) / N.  logits, y (N, K) -> (float, (N, K)).
    """
    _check_pair(logits, y, "logits")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("y must lie in [0, 1] for cross-entropy")
    n = logits.shape[0]
    loss = float(np.sum(softplus(logits) - y * logits) / n)
    return loss, (sigmoid(logits) - y) / n
