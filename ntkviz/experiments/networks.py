"""The finite networks trained on rotated MNIST (Neural kernel theory of symmetry learning,
arXiv 2412.11521, App. B.1 and B.3; docs/theory.md#trained-networks), as equinox modules.

Every network maps one ``(S, S)`` image to 10 logits; ``model(image, key=None)`` runs in
evaluation mode (dropout off), ``model(image, key=k)`` in training mode (dropout drawn from k).

* :class:`MLP` — flatten, hidden ``Linear``-ReLU(-Dropout) layers, linear readout (optionally
  without bias). App. B.1: widths (512, 128), dropout 0.5, readout without bias.
* :class:`CNN` — App. B.1's ConvNet: Conv 5×5 (24 channels, no padding) → MaxPool 2 → ReLU →
  Conv 3×3 (32) → MaxPool 2 → ReLU → flatten (800 at 28×28) → Linear 256 → ReLU → Linear 10.
* :class:`SimpleViT` — the SimpleViT of App. B.1 (vit-pytorch 1.8.9): non-overlapping patches,
  LayerNorm → Linear → LayerNorm patch embedding, fixed 2-D sine-cosine position embeddings,
  ``depth`` pre-norm blocks (multi-head attention without biases, GELU MLP), final LayerNorm,
  mean over tokens, linear head.

**Initialisation.** ``init="torch"``: PyTorch's default, every weight and bias
``U(±1/√fan_in)`` (Kaiming-uniform with a = √5), LayerNorm scale 1 and shift 0 — the
initialisation of Fig. 1. The MLP also offers the NTK parameterisation, in which a layer
computes ``W_std/√fan_in · W h + b_std · b`` (W_std = b_std = 1; App. B.3's networks):
``init="ntk"`` draws weights and biases ``N(0, 1)``, the initialisation whose infinite-width
limit is the NTK (``kernels.mlp``, ``kernels.empirical_ntk``); ``init="ntk_uniform_fan_out"``
draws them ``U(±1/√fan_out)``, the re-initialisation in the authors' code for App. B.3's
trained network (it uses the layer's output size where PyTorch uses its input size).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..params import Param, Params

__all__ = ["NETWORKS", "INITS", "PARAMS", "make_network"]

NETWORKS = ("mlp", "cnn", "vit")
INITS = ("torch", "ntk", "ntk_uniform_fan_out")
N_CLASSES = 10
MAX_SIZE = 256      # image side
MAX_WIDTH = 1 << 14  # units, channels, heads, depth

#: The networks' settings (``training.TrainConfig`` declares its size fields with these).
PARAMS = Params(
    Param("architecture", "choice", choices=NETWORKS),
    Param("image_size", "int", 1, MAX_SIZE),
    Param("init", "choice", choices=INITS),
    Param("readout_bias", "flag"),
    Param("dropout", "real", 0.0, 0.95),
    Param("mlp_widths", "ints", 1, MAX_WIDTH),
    Param("cnn_channels", "ints", 1, MAX_WIDTH),
    *(Param(name, "int", 1, MAX_WIDTH) for name in (
        "cnn_hidden", "vit_patch", "vit_dim", "vit_depth", "vit_heads", "vit_head_dim",
        "vit_mlp_dim")),
)


def sincos_position_embedding(h: int, w: int, dim: int, temperature: float = 10000.0
                              ) -> np.ndarray:
    """``(h·w, dim)`` fixed 2-D sine-cosine position embeddings of a ``h × w`` patch grid
    (row-major), ``[sin x ω, cos x ω, sin y ω, cos y ω]`` with ``ω_i = T^(−i/(dim/4 − 1))``, as
    SimpleViT's ``posemb_sincos_2d``."""
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    omega = 1.0 / temperature ** (np.arange(dim // 4) / (dim // 4 - 1))
    y = y.reshape(-1)[:, None] * omega[None, :]
    x = x.reshape(-1)[:, None] * omega[None, :]
    return np.concatenate([np.sin(x), np.cos(x), np.sin(y), np.cos(y)], axis=1).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _classes():
    """Define the equinox modules on first use (JAX/equinox import only when training)."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    f32 = jnp.float32

    class Dense(eqx.Module):
        """``scale · h W + shift · b`` (``b`` None: no bias); W is (fan_in, fan_out)."""

        weight: jax.Array
        bias: jax.Array | None
        scale: float = eqx.field(static=True)
        shift: float = eqx.field(static=True)

        def __init__(self, fan_in, fan_out, *, bias=True, init="torch", b_std=1.0, key):
            kw, kb = jax.random.split(key)
            if init == "torch":
                bound = 1.0 / math.sqrt(fan_in)
                self.weight = jax.random.uniform(kw, (fan_in, fan_out), f32, -bound, bound)
                self.bias = (jax.random.uniform(kb, (fan_out,), f32, -bound, bound)
                             if bias else None)
                self.scale, self.shift = 1.0, 1.0
            elif init == "ntk":
                self.weight = jax.random.normal(kw, (fan_in, fan_out), f32)
                self.bias = jax.random.normal(kb, (fan_out,), f32) if bias else None
                self.scale, self.shift = 1.0 / math.sqrt(fan_in), float(b_std)
            else:   # the authors' re-initialisation of App. B.3's network
                bound = 1.0 / math.sqrt(fan_out)
                self.weight = jax.random.uniform(kw, (fan_in, fan_out), f32, -bound, bound)
                self.bias = (jax.random.uniform(kb, (fan_out,), f32, -bound, bound)
                             if bias else None)
                self.scale, self.shift = 1.0 / math.sqrt(fan_in), float(b_std)

        def __call__(self, h):
            out = self.scale * (h @ self.weight)
            return out if self.bias is None else out + self.shift * self.bias

    def dropout(h, rate, key):
        if key is None or rate == 0.0:
            return h
        keep = jax.random.bernoulli(key, 1.0 - rate, h.shape)
        return jnp.where(keep, h / (1.0 - rate), 0.0)

    class MLP(eqx.Module):
        layers: list
        dropout: float = eqx.field(static=True)

        def __init__(self, size, widths, dropout, readout_bias, init, *, key):
            sizes = [size * size, *widths, N_CLASSES]
            keys = jax.random.split(key, len(sizes) - 1)
            self.layers = [Dense(a, b, bias=(i < len(widths) or readout_bias), init=init, key=k)
                           for i, (a, b, k) in enumerate(zip(sizes[:-1], sizes[1:], keys))]
            self.dropout = float(dropout)

        def __call__(self, image, key=None):
            h = image.reshape(-1)
            n = len(self.layers)
            keys = [None] * n if key is None else jax.random.split(key, n)
            for layer, k in zip(self.layers[:-1], keys):
                h = dropout(jax.nn.relu(layer(h)), self.dropout, k)
            return self.layers[-1](h)

    def conv_init(key, c_in, c_out, k):
        kw, kb = jax.random.split(key)
        bound = 1.0 / math.sqrt(c_in * k * k)
        return (jax.random.uniform(kw, (c_out, c_in, k, k), f32, -bound, bound),
                jax.random.uniform(kb, (c_out,), f32, -bound, bound))

    def conv(h, weight, bias):
        out = jax.lax.conv_general_dilated(h[None], weight, (1, 1), "VALID")[0]
        return out + bias[:, None, None]

    def maxpool(h):
        c, height, width = h.shape
        h = h[:, : height // 2 * 2, : width // 2 * 2]
        return h.reshape(c, height // 2, 2, width // 2, 2).max(axis=(2, 4))

    class CNN(eqx.Module):
        conv1: tuple
        conv2: tuple
        hidden: Dense
        readout: Dense

        def __init__(self, size, channels, hidden, *, key):
            k1, k2, k3, k4 = jax.random.split(key, 4)
            c1, c2 = channels
            self.conv1 = conv_init(k1, 1, c1, 5)
            self.conv2 = conv_init(k2, c1, c2, 3)
            side = ((size - 4) // 2 - 2) // 2
            self.hidden = Dense(c2 * side * side, hidden, key=k3)
            self.readout = Dense(hidden, N_CLASSES, key=k4)

        def __call__(self, image, key=None):
            h = jax.nn.relu(maxpool(conv(image[None], *self.conv1)))
            h = jax.nn.relu(maxpool(conv(h, *self.conv2)))
            return self.readout(jax.nn.relu(self.hidden(h.reshape(-1))))

    class LayerNorm(eqx.Module):
        weight: jax.Array
        bias: jax.Array

        def __init__(self, dim):
            self.weight, self.bias = jnp.ones(dim, f32), jnp.zeros(dim, f32)

        def __call__(self, h):  # over the last axis, eps 1e-5 as torch.nn.LayerNorm
            mean = h.mean(-1, keepdims=True)
            var = ((h - mean) ** 2).mean(-1, keepdims=True)
            return (h - mean) * jax.lax.rsqrt(var + 1e-5) * self.weight + self.bias

    class Block(eqx.Module):
        norm1: LayerNorm
        qkv: Dense
        out: Dense
        norm2: LayerNorm
        hidden: Dense
        project: Dense
        heads: int = eqx.field(static=True)

        def __init__(self, dim, heads, head_dim, mlp_dim, *, key):
            k1, k2, k3, k4 = jax.random.split(key, 4)
            inner = heads * head_dim
            self.norm1, self.norm2 = LayerNorm(dim), LayerNorm(dim)
            self.qkv = Dense(dim, 3 * inner, bias=False, key=k1)
            self.out = Dense(inner, dim, bias=False, key=k2)
            self.hidden = Dense(dim, mlp_dim, key=k3)
            self.project = Dense(mlp_dim, dim, key=k4)
            self.heads = heads

        def __call__(self, tokens):
            n = tokens.shape[0]
            q, k, v = jnp.split(self.qkv(self.norm1(tokens)), 3, axis=-1)
            q, k, v = (t.reshape(n, self.heads, -1).transpose(1, 0, 2) for t in (q, k, v))
            attention = jax.nn.softmax(q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1]), axis=-1)
            mixed = (attention @ v).transpose(1, 0, 2).reshape(n, -1)
            tokens = tokens + self.out(mixed)
            h = jax.nn.gelu(self.hidden(self.norm2(tokens)), approximate=False)
            return tokens + self.project(h)

    class SimpleViT(eqx.Module):
        patch_norm: LayerNorm
        embed: Dense
        embed_norm: LayerNorm
        position: jax.Array
        blocks: list
        norm: LayerNorm
        head: Dense
        patch: int = eqx.field(static=True)

        def __init__(self, size, patch, dim, depth, heads, head_dim, mlp_dim, *, key):
            keys = jax.random.split(key, depth + 2)
            grid = size // patch
            self.patch = patch
            self.patch_norm = LayerNorm(patch * patch)
            self.embed = Dense(patch * patch, dim, key=keys[0])
            self.embed_norm = LayerNorm(dim)
            self.position = jnp.asarray(sincos_position_embedding(grid, grid, dim))
            self.blocks = [Block(dim, heads, head_dim, mlp_dim, key=k) for k in keys[1:-1]]
            self.norm = LayerNorm(dim)
            self.head = Dense(dim, N_CLASSES, key=keys[-1])

        def patches(self, image):
            """``(n_patches, p·p)``: the patches row-major over the grid, pixels row-major."""
            g, p = image.shape[0] // self.patch, self.patch
            return image.reshape(g, p, g, p).transpose(0, 2, 1, 3).reshape(g * g, p * p)

        def tokens(self, image):
            """``(n_patches, dim)``: the embedded patches, before the position embeddings."""
            return self.embed_norm(self.embed(self.patch_norm(self.patches(image))))

        def from_tokens(self, tokens):
            h = tokens + jax.lax.stop_gradient(self.position)
            for block in self.blocks:
                h = block(h)
            return self.head(self.norm(h).mean(axis=0))

        def __call__(self, image, key=None):
            return self.from_tokens(self.tokens(image))

    return {"mlp": MLP, "cnn": CNN, "vit": SimpleViT}


@PARAMS.validated
def make_network(architecture: str, image_size: int, key, *, mlp_widths=(512, 128),
                 dropout: float = 0.5, readout_bias: bool = False, init: str = "torch",
                 cnn_channels=(24, 32), cnn_hidden: int = 256, vit_patch: int = 4,
                 vit_dim: int = 256, vit_depth: int = 2, vit_heads: int = 4,
                 vit_head_dim: int = 64, vit_mlp_dim: int = 256):
    """The untrained network ``architecture`` (one of :data:`NETWORKS`) for ``image_size`` ×
    ``image_size`` images, initialised from the ``jax.random`` ``key``; the defaults are the
    sizes of App. B.1. The NTK-parameterised inits are offered for the MLP only (module
    docstring)."""
    check_key(key)
    if init != "torch" and architecture != "mlp":
        raise ValueError(f"init {init!r} is offered for the mlp only, got it for "
                         f"{architecture!r}")
    check_shapes(architecture, image_size, cnn_channels, vit_patch, vit_dim)
    cls = _classes()[architecture]
    if architecture == "mlp":
        return cls(image_size, mlp_widths, dropout, readout_bias, init, key=key)
    if architecture == "cnn":
        return cls(image_size, cnn_channels, cnn_hidden, key=key)
    return cls(image_size, vit_patch, vit_dim, vit_depth, vit_heads, vit_head_dim, vit_mlp_dim,
               key=key)


def check_key(key) -> None:
    """``key`` must be one ``jax.random`` key (``jax.random.key(seed)``)."""
    import jax

    if not (isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
            and key.shape == ()):
        raise TypeError(f"key must be one jax.random key (jax.random.key(seed)), got {key!r}")


def check_shapes(architecture: str, image_size: int, cnn_channels: tuple, vit_patch: int,
                 vit_dim: int) -> None:
    """The sizes ``architecture`` needs on ``image_size`` images: two CNN channel counts and
    room for its two valid convolutions and poolings; a ViT patch dividing the image and a
    width its sine-cosine position embeddings can split in four."""
    if len(cnn_channels) != 2:
        raise ValueError(f"cnn_channels must be two channel counts, got {cnn_channels}")
    if architecture == "cnn" and image_size < 16:
        raise ValueError(f"image_size must be at least 16 for the cnn, got {image_size}")
    if architecture == "vit" and image_size % vit_patch:
        allowed = [p for p in range(1, image_size + 1) if image_size % p == 0]
        raise ValueError(f"vit_patch must divide image_size {image_size}, got {vit_patch} "
                         f"(allowed: {allowed})")
    if architecture == "vit" and (vit_dim % 4 or vit_dim < 8):
        raise ValueError(f"vit_dim must be a multiple of 4 and at least 8 (sine-cosine "
                         f"position embeddings), got {vit_dim}")


def count_parameters(model) -> int:
    """Number of trainable scalars (inexact arrays, the fixed position embeddings excluded)."""
    import equinox as eqx
    import jax

    leaves = jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_inexact_array))
    total = sum(int(np.prod(leaf.shape)) for leaf in leaves)
    position = getattr(model, "position", None)
    return total - (0 if position is None else int(np.prod(position.shape)))
