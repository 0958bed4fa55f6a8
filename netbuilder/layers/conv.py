"""Convolutions, transposed convolutions and upsampling."""

from ..errors import ShapeError
from .base import LayerType, Tensor
from .checks import conv_out, need_float, need_rank
from .params import Param, pair
from .registry import register

FLAT_HINT = "Put it before the Flatten, or use Unflatten to restore the image shape."


def _conv_params(dims: int, transposed: bool = False) -> tuple[Param, ...]:
    size = lambda name, default, doc, lo: Param(name, "size", default, doc, min=lo, dims=dims)
    extra = (size("output_padding", 0, "Extra size added to one side of the output.", 0),) if transposed else ()
    return (
        Param("out_channels", "int", 16, "Number of filters (output channels).", min=1, max=65536),
        size("kernel_size", 3, "Filter size.", 1),
        size("stride", 1, "Step between filter positions.", 1),
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


def _conv1d_shape(ins, p):
    need_float("Conv1d", ins[0])
    c, length = need_rank("Conv1d", ins[0], 2, "[channels, length]", FLAT_HINT)
    _check_groups("Conv1d", c, p)
    out = conv_out(length, p["kernel_size"], p["stride"], p["padding"], p["dilation"], "length")
    return Tensor((p["out_channels"], out))


def _conv2d_shape(ins, p):
    need_float("Conv2d", ins[0])
    c, h, w = need_rank("Conv2d", ins[0], 3, "[channels, height, width]", FLAT_HINT)
    _check_groups("Conv2d", c, p)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (pair(p[k]) for k in ("kernel_size", "stride", "padding", "dilation"))
    return Tensor((p["out_channels"], conv_out(h, kh, sh, ph, dh, "height"), conv_out(w, kw, sw, pw, dw, "width")))


def _deconv2d_shape(ins, p):
    need_float("ConvTranspose2d", ins[0])
    c, h, w = need_rank("ConvTranspose2d", ins[0], 3, "[channels, height, width]", FLAT_HINT)
    _check_groups("ConvTranspose2d", c, p)
    k, s, pad, d, op = (pair(p[n]) for n in ("kernel_size", "stride", "padding", "dilation", "output_padding"))
    for i in range(2):
        if op[i] >= max(s[i], d[i]):
            raise ShapeError("ConvTranspose2d: output_padding must be smaller than stride or dilation.")
    out = tuple((size - 1) * s[i] - 2 * pad[i] + d[i] * (k[i] - 1) + op[i] + 1 for i, size in enumerate((h, w)))
    if min(out) < 1:
        raise ShapeError(f"ConvTranspose2d: the output would be empty ({out}); reduce the padding.")
    return Tensor((p["out_channels"],) + out)


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


def _conv(name, doc, shape, dims, transposed=False):
    return LayerType(
        name, "Convolution", doc, shape=shape, torch_class=f"nn.{name}",
        inferred=lambda ins, p: {"in_channels": ins[0].shape[0]},
        positional=("in_channels", "out_channels"), always=("kernel_size",),
        summary_keys=("out_channels", "kernel_size", "stride"), params=_conv_params(dims, transposed))


register(
    _conv("Conv1d", "1-D convolution over [channels, length] (sequences, signals).", _conv1d_shape, 1),
    _conv("Conv2d", "2-D convolution over [channels, height, width] images.", _conv2d_shape, 2),
    _conv("ConvTranspose2d", "Transposed 2-D convolution: learned upsampling (decoders, GANs).",
          _deconv2d_shape, 2, transposed=True),
    LayerType(
        "Upsample", "Convolution", "Enlarges [channels, height, width] by a scale factor.",
        shape=_upsample_shape, torch_class="nn.Upsample", always=("scale_factor",),
        summary_keys=("scale_factor", "mode"),
        params=(Param("scale_factor", "float", 2.0, "Size multiplier.", min=0.01, max=64),
                Param("mode", "choice", "nearest", "Interpolation.", choices=("nearest", "bilinear"))),
    ),
)
