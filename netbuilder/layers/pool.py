"""Pooling layers."""

from ..errors import ShapeError
from .base import LayerType, Tensor
from .checks import conv_out, need_float, need_rank
from .conv import FLAT_HINT
from .params import Param, pair
from .registry import register


def _pool_params(dims):
    return (Param("kernel_size", "size", 2, "Window size.", min=1, dims=dims),
            Param("stride", "size", None, "Step between windows (default: kernel_size).", min=1, dims=dims,
                  optional=True),
            Param("padding", "size", 0, "Implicit padding on each side.", min=0, dims=dims))


def _check_padding(name, p):
    if any(pp * 2 > kk for pp, kk in zip(pair(p["padding"]), pair(p["kernel_size"]))):
        raise ShapeError(f"{name}: padding must be at most half the kernel size.")


def _pool1d_shape(ins, p):
    need_float("MaxPool1d", ins[0])
    c, length = need_rank("MaxPool1d", ins[0], 2, "[channels, length]", FLAT_HINT)
    _check_padding("MaxPool1d", p)
    k, s = p["kernel_size"], p["stride"] or p["kernel_size"]
    return Tensor((c, conv_out(length, k, s, p["padding"], 1, "length")))


def _pool2d_shape(name):
    def shape(ins, p):
        need_float(name, ins[0])
        c, h, w = need_rank(name, ins[0], 3, "[channels, height, width]", FLAT_HINT)
        _check_padding(name, p)
        k, pad = pair(p["kernel_size"]), pair(p["padding"])
        s = pair(p["stride"] or p["kernel_size"])
        return Tensor((c, conv_out(h, k[0], s[0], pad[0], 1, "height"), conv_out(w, k[1], s[1], pad[1], 1, "width")))
    return shape


def _adaptive_shape(ins, p):
    need_float("AdaptiveAvgPool2d", ins[0])
    c, _, _ = need_rank("AdaptiveAvgPool2d", ins[0], 3, "[channels, height, width]", FLAT_HINT)
    return Tensor((c,) + pair(p["output_size"]))


def _pool(name, doc, shape, dims):
    return LayerType(name, "Pooling", doc, shape=shape, torch_class=f"nn.{name}", positional=("kernel_size",),
                     summary_keys=("kernel_size", "stride"), params=_pool_params(dims))


register(
    _pool("MaxPool1d", "Max over windows of a [channels, length] signal.", _pool1d_shape, 1),
    _pool("MaxPool2d", "Max over windows of a [channels, height, width] image.", _pool2d_shape("MaxPool2d"), 2),
    _pool("AvgPool2d", "Mean over windows of a [channels, height, width] image.", _pool2d_shape("AvgPool2d"), 2),
    LayerType("AdaptiveAvgPool2d", "Pooling", "Averages each channel down to a fixed output size (1 = global).",
              shape=_adaptive_shape, torch_class="nn.AdaptiveAvgPool2d", positional=("output_size",),
              summary_keys=("output_size",),
              params=(Param("output_size", "size", 1, "Output height and width.", min=1, dims=2),)),
)
