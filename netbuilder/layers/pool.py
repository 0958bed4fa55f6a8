"""Pooling layers, for any number of spatial dimensions."""

from ..errors import ShapeError
from .base import LayerType, Tensor
from .checks import conv_out
from .conv import EXAMPLES, LAYOUTS, spatial
from .params import Param, ntuple
from .registry import register


def _pool_params(dims):
    return (Param("kernel_size", "size", 2, "Window size.", min=1, dims=dims, short="k"),
            Param("stride", "size", None, "Step between windows (default: kernel_size).", min=1, dims=dims,
                  optional=True, short="s"),
            Param("padding", "size", 0, "Implicit padding on each side.", min=0, dims=dims))


def _pool_shape(name: str, dims: int):
    def shape(ins, p):
        c, sizes = spatial(name, ins[0], dims)
        k, pad = ntuple(p["kernel_size"], dims), ntuple(p["padding"], dims)
        if any(pp * 2 > kk for pp, kk in zip(pad, k)):
            raise ShapeError(f"{name}: padding must be at most half the kernel size.")
        s = ntuple(p["stride"] or p["kernel_size"], dims)
        return Tensor((c,) + tuple(conv_out(size, k[i], s[i], pad[i], 1, LAYOUTS[dims][1][i])
                                   for i, size in enumerate(sizes)))
    return shape


def _adaptive_shape(ins, p):
    c, _ = spatial("AdaptiveAvgPool2d", ins[0], 2)
    return Tensor((c,) + ntuple(p["output_size"], 2))


def _pool(name, doc, dims):
    return LayerType(name, "Pooling", doc, shape=_pool_shape(name, dims), torch_class=f"nn.{name}",
                     positional=("kernel_size",), summary_keys=("kernel_size", "stride"), params=_pool_params(dims),
                     id_prefix="pool", example_input=EXAMPLES[dims])


register(
    _pool("MaxPool1d", "Max over windows of a [channels, length] signal.", 1),
    _pool("MaxPool2d", "Max over windows of a [channels, height, width] image.", 2),
    _pool("AvgPool2d", "Mean over windows of a [channels, height, width] image.", 2),
    LayerType("AdaptiveAvgPool2d", "Pooling", "Averages each channel down to a fixed output size (1 = global).",
              shape=_adaptive_shape, torch_class="nn.AdaptiveAvgPool2d", positional=("output_size",),
              summary_keys=("output_size",), id_prefix="gap", example_input=EXAMPLES[2],
              params=(Param("output_size", "size", 1, "Output height and width.", min=1, dims=2, short="out"),)),
)
