"""One network's minibatch SGD steps without per-layer objects: the training loop's
engine (core.training).

core.network's forward, backward and sgd_step make a cache object and a gradient object
for every layer and a fresh array for every result: right for a page that shows one
pass, slow for a training run of small layers. A training lab run of four networks,
12 layers of width 17, 670 steps, makes about 32,000 layer passes each way, and at
that size numpy's work per call (about 1.5 us) and Python's around it (objects, error
states, attribute loops) cost more than the arithmetic. Trainer does the same
arithmetic, in the same order, so its results are bit for bit core.network's
(tests/test_trainer.py), with what Python does per layer cut to the calls themselves:

- every parameter lives in one flat array and every gradient in another (the params'
  and grads' arrays are views into them), so an update is two calls, not four a layer;
- the products land in arrays kept from step to step (one set per batch size);
- a layer's pass is one loop body over a precomputed plan, with no objects made.

The network equations are core.network's (its docstring); the layer functions are
core.layers'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.activations import Activation, get_activation
from core.layers import activation_backward, batchnorm_backward, batchnorm_forward
from core.network import LayerParams, NetworkSpec, OutputLoss, loss_at_output
from core.spec import PARAM_FIELDS


@dataclass(frozen=True)
class _Layer:
    """What a layer's pass needs to know, worked out once."""

    skip: bool
    bn: bool
    act: Activation


class Trainer:
    """A network's parameters in one flat array, and its SGD steps.

    params: a LayerParams per layer whose arrays are views into one flat array (the
    given params are copied in, not kept), updated in place by each step; pass them to
    core.network's functions as any others. grads: the gradients of the last step, in
    the same layout (before the step's update scaled them by lr).
    """

    def __init__(self, spec: NetworkSpec, params: list[LayerParams]) -> None:
        self.spec = spec
        self._flat, self.params = _flat_copy(params)
        self._gflat, self.grads = _flat_copy(params, empty=True)
        act, out_act = get_activation(spec.activation), get_activation(spec.output_activation)
        self._layers = tuple(
            _Layer(spec.has_skip(i), spec.has_batchnorm(i), out_act if spec.is_output(i) else act)
            for i in range(spec.n_layers)
        )
        self._rows = -1
        self._z: list[np.ndarray] = []

    def _buffers(self, rows: int) -> list[np.ndarray]:
        """Each layer's (rows, fan_out) product array, kept while the batch size is."""
        if rows != self._rows:
            sizes = self.spec.sizes[1:]
            self._z = [np.empty((rows, m)) for m in sizes]
            self._rows = rows
        return self._z

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, loss: str) -> OutputLoss:
        """The loss on (x, y) (core.network.output_loss's), and every gradient into
        grads; the gradients are left as they are when the loss is not finite."""
        spec, layers = self.spec, self._layers
        scale, eps = spec.residual_scale, spec.bn_eps
        z_out = self._buffers(x.shape[0])
        kept = []  # per layer: (its product's input, what phi received and gave, BN's cache)
        h = z = x
        for lay, p, buffer in zip(layers, self.params, z_out, strict=True):
            bn = None
            if lay.skip:
                u = h
                if lay.bn:
                    u, bn = batchnorm_forward(h, p.gamma, p.beta, eps)
                phi = lay.act.forward(u)
                z = np.matmul(phi, p.W, out=buffer)
                if p.b is not None:
                    z += p.b
                if scale != 1.0:
                    z *= scale
                kept.append((phi, u, phi, bn))
                h = np.add(z, h, out=z)
            else:
                z = np.matmul(h, p.W, out=buffer)
                if p.b is not None:
                    z += p.b
                if lay.bn:
                    z, bn = batchnorm_forward(z, p.gamma, p.beta, eps)
                phi = lay.act.forward(z)
                kept.append((h, z, phi, bn))
                h = phi
        out = loss_at_output(h, z, (z, h, layers[-1].act), y, loss)
        if math.isfinite(out.value):
            self._backward(out.delta_out, kept)
        return out

    def _backward(self, delta_out: np.ndarray, kept: list[tuple]) -> None:
        """core.network.backward_layers' arithmetic, written into grads."""
        scale = self.spec.residual_scale
        dh = None
        for i in range(len(kept) - 1, -1, -1):
            lay, p, g = self._layers[i], self.params[i], self.grads[i]
            x_in, pre, post, bn = kept[i]
            if lay.skip:
                delta = dh if scale == 1.0 else scale * dh
                dphi = delta @ p.W.T
                np.matmul(x_in.T, delta, out=g.W)
                if g.b is not None:
                    np.add.reduce(delta, axis=0, out=g.b)
                du = activation_backward(dphi, (pre, post, lay.act))
                if bn is not None:
                    du, g.gamma[...], g.beta[...] = batchnorm_backward(du, bn)
                du += dh
                dh = du
            else:
                delta = delta_out if dh is None else activation_backward(dh, (pre, post, lay.act))
                if bn is not None:
                    delta, g.gamma[...], g.beta[...] = batchnorm_backward(delta, bn)
                np.matmul(x_in.T, delta, out=g.W)
                if g.b is not None:
                    np.add.reduce(delta, axis=0, out=g.b)
                if i > 0:  # the input's gradient is not needed
                    dh = delta @ p.W.T

    def sgd_step(self, lr: float) -> None:
        """p <- p - lr * dL/dp for every parameter, as core.network.sgd_step in place."""
        self._gflat *= lr
        self._flat -= self._gflat


def _flat_copy(
    params: list[LayerParams], empty: bool = False
) -> tuple[np.ndarray, list[LayerParams]]:
    """One flat array holding every parameter array (a copy, or uninitialized if empty),
    and LayerParams of views into it, in params' shapes."""
    arrays = [getattr(p, f) for p in params for f in PARAM_FIELDS]
    flat = np.empty(sum(a.size for a in arrays if a is not None))
    views, start = [], 0
    for a in arrays:
        if a is None:
            views.append(None)
            continue
        view = flat[start : start + a.size].reshape(a.shape)
        if not empty:
            view[...] = a
        views.append(view)
        start += a.size
    n = len(PARAM_FIELDS)
    return flat, [LayerParams(*views[k : k + n]) for k in range(0, len(views), n)]
