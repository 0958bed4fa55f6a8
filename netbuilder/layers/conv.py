"""Convolutions, transposed convolutions and upsampling, for any number of spatial dimensions."""

from ..errors import ShapeError
from .base import LayerType, Tensor
from .checks import conv_out, need_float, need_rank
from .params import Param, ntuple
from .registry import register

FLAT_HINT = "Put it before the Flatten, or use Unflatten to restore the image shape."
# one sample's layout and the names of its spatial axes, by the number of spatial dimensions
LAYOUTS = {1: ("[channels, length]", ("length",)),
           2: ("[channels, height, width]", ("height", "width")),
           3: ("[channels, depth, height, width]", ("depth", "height", "width"))}
EXAMPLES = {1: (3, 20), 2: (3, 12, 12), 3: (3, 6, 8, 8)}


def spatial(name: str, t: Tensor, dims: int) -> tuple[int, tuple[int, ...]]:
    """Channels and spatial sizes of a float input with `dims` spatial dimensions."""
    need_float(name, t)
    c, *sizes = need_rank(name, t, dims + 1, LAYOUTS[dims][0], FLAT_HINT)
    return c, tuple(sizes)


def _conv_params(dims: int, transposed: bool = False) -> tuple[Param, ...]:
    size = lambda name, default, doc, lo, short="": Param(name, "size", default, doc, min=lo, dims=dims,
                                                         short=short)
    extra = (size("output_padding", 0, "Extra size added to one side of the output.", 0),) if transposed else ()
    return (
        Param("out_channels", "int", 16, "Number of filters (output channels).", min=1, max=65536, short="ch"),
        size("kernel_size", 3, "Filter size.", 1, "k"),
        size("stride", 1, "Step between filter positions.", 1, "s"),
        size("padding", 0, "Zeros added on each side.", 0),
        *extra,
        size("dilation", 1, "Spacing between filter taps.", 1),
        Param("groups", "int", 1, "Split channels into groups (in and out channels must divide).", min=1),
        Param("bias", "bool", True, "Learn an additive bias."),
    )


def _check_groups(layer, c_in, p):
    g = p["groups"]
    if c_in % g or p["out_channels"] % g:
        raise ShapeError(f"{layer}: groups={g} must divide both the input channels ({c_in}) "
                         f"and out_channels ({p['out_channels']}).")


def _conv_shape(name: str, dims: int):
    def shape(ins, p):
        c, sizes = spatial(name, ins[0], dims)
        _check_groups(name, c, p)
        k, s, pad, d = (ntuple(p[n], dims) for n in ("kernel_size", "stride", "padding", "dilation"))
        return Tensor((p["out_channels"],) + tuple(
            conv_out(size, k[i], s[i], pad[i], d[i], LAYOUTS[dims][1][i]) for i, size in enumerate(sizes)))
    return shape


def _deconv_shape(name: str, dims: int):
    def shape(ins, p):
        c, sizes = spatial(name, ins[0], dims)
        _check_groups(name, c, p)
        k, s, pad, d, op = (ntuple(p[n], dims) for n in ("kernel_size", "stride", "padding", "dilation",
                                                          "output_padding"))
        if any(op[i] >= max(s[i], d[i]) for i in range(dims)):
            raise ShapeError(f"{name}: output_padding must be smaller than stride or dilation.")
        out = tuple((size - 1) * s[i] - 2 * pad[i] + d[i] * (k[i] - 1) + op[i] + 1 for i, size in enumerate(sizes))
        if min(out) < 1:
            raise ShapeError(f"{name}: the output would be empty ({out}); reduce the padding.")
        return Tensor((p["out_channels"],) + out)
    return shape


def _upsample_shape(ins, p):
    t = ins[0]
    need_float("Upsample", t)
    if p["mode"] == "bilinear":
        need_rank("Upsample", t, 3, "[channels, height, width] (bilinear is for images)", FLAT_HINT)
    elif len(t.shape) not in (2, 3):
        need_rank("Upsample", t, 3, "[channels, height, width] or [channels, length]", FLAT_HINT)
    size = tuple(int(s * p["scale_factor"]) for s in t.shape[1:])  # torch floors, as int() does
    if min(size) < 1:
        raise ShapeError(f"Upsample: scale_factor {p['scale_factor']} shrinks {t} to nothing; use a larger one.")
    return Tensor((t.shape[0],) + size)


def _conv(name, doc, dims, transposed=False):
    return LayerType(
        name, "Convolution", doc, shape=(_deconv_shape if transposed else _conv_shape)(name, dims),
        torch_class=f"nn.{name}", inferred=lambda ins, p: {"in_channels": ins[0].shape[0]},
        positional=("in_channels", "out_channels"), always=("kernel_size",),
        summary_keys=("out_channels", "kernel_size", "stride"), params=_conv_params(dims, transposed),
        id_prefix="deconv" if transposed else "conv", example_input=EXAMPLES[dims])


register(
    _conv("Conv1d", "1-D convolution over [channels, length] (sequences, signals).", 1),
    _conv("Conv2d", "2-D convolution over [channels, height, width] images.", 2),
    _conv("Conv3d", "3-D convolution over [channels, depth, height, width] volumes or video clips.", 3),
    _conv("ConvTranspose2d", "Transposed 2-D convolution: learned upsampling (decoders, GANs).", 2,
          transposed=True),
    LayerType(
        "Upsample", "Convolution", "Enlarges [channels, height, width] by a scale factor.",
        shape=_upsample_shape, torch_class="nn.Upsample", always=("scale_factor",),
        summary_keys=("scale_factor", "mode"), id_prefix="up", example_input=(3, 5, 5),
        params=(Param("scale_factor", "float", 2.0, "Size multiplier.", min=0.01, max=64, short="scale"),
                Param("mode", "choice", "nearest", "Interpolation.", choices=("nearest", "bilinear"))),
    ),
)
