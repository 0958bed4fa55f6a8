"""An .onnx file -> a project, by a mapping of our own from ONNX operators onto the layer declarations.

onnx2torch would need torchvision, which does not load with this torch; the mapping here covers the
operators torch's exporter writes for the layers NetBuilder has, and names any other operator. Only
the `onnx` package is needed (`pip install netbuilder[onnx]`); onnxruntime, when installed, checks
that the imported graph computes what the file does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .builder import GraphBuilder, ImportRefused, nearest_layer

# ONNX operators with a NetBuilder layer of another name, for the refusal's "nearest" hint
NEAREST_OP = {"Conv": "Conv2d", "Gemm": "Linear", "MatMul": "Linear", "MaxPool": "MaxPool2d",
              "AveragePool": "AvgPool2d", "LSTM": "LSTM", "GRU": "GRU", "Gather": "Embedding",
              "Resize": "Upsample", "LayerNormalization": "LayerNorm", "Softplus": "ReLU", "HardSwish": "SiLU",
              "Sub": "Add", "Div": "Multiply", "Transpose": "Flatten", "Pad": "Conv2d"}


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _sym_pads(where, pads, dims):
    if not pads:
        return 0
    begin, end = list(pads[:dims]), list(pads[dims:])
    if begin != end:
        raise ImportRefused(f"{where} pads unevenly ({list(pads)}); NetBuilder pads each side alike.")
    return tuple(begin) if len(set(begin)) > 1 else begin[0]


def _one(values, default=1):
    values = list(values or [default])
    return tuple(values) if len(set(values)) > 1 else values[0]


class _OnnxMapper:
    def __init__(self, model, builder: GraphBuilder):
        from onnx import numpy_helper, shape_inference

        self.model = shape_inference.infer_shapes(model)
        self.graph = self.model.graph
        self.b = builder
        self.consts: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}
        self.ids: dict[str, str] = {}  # ONNX value name -> project node id
        self.shape_values: set[str] = set()  # x.size(0) and the like: feed reshapes, no layer of their own
        self.shapes = {v.name: [d.dim_value if d.HasField("dim_value") else None for d in
                                v.type.tensor_type.shape.dim]
                       for v in [*self.graph.value_info, *self.graph.input, *self.graph.output]}

    def tensor(self, name: str) -> torch.Tensor:
        return torch.from_numpy(np.array(self.consts[name], dtype=np.float32))

    def where(self, node) -> str:
        return f"ONNX node '{node.name or node.output[0]}' ({node.op_type})"

    def path(self, node) -> str:
        """The module path the exporter kept: a weight's name (conv1.weight), else the node name."""
        if len(node.input) > 1 and node.input[1] in self.consts and node.input[1].endswith(".weight"):
            return node.input[1].removesuffix(".weight")
        segments = [s for s in (node.name or "").split("/") if s]
        return segments[-2] if len(segments) >= 2 else (node.name or node.output[0] or node.op_type.lower())

    def ins(self, node, names) -> list[str]:
        out = []
        for name in names:
            if name not in self.ids:
                raise ImportRefused(f"{self.where(node)} uses {name!r}, a constant or value NetBuilder cannot "
                                    "follow as a layer input.")
            out.append(self.ids[name])
        return out

    def run(self, input_shape) -> None:
        inputs = [i for i in self.graph.input if i.name not in self.consts]
        if len(inputs) != 1 and input_shape:
            raise ImportRefused("--input-shape is for models with one input.", field="input_shape")
        for value in inputs:
            dims = self.shapes[value.name][1:]
            shape = tuple(input_shape) if input_shape else tuple(dims)
            if not shape or None in shape:
                raise ImportRefused(f"The input {value.name!r} has no fixed sample shape ({dims}); give it with "
                                    "--input-shape.", field="input_shape")
            self.ids[value.name] = self.b.add("x" if len(inputs) == 1 else value.name, "Input", {"shape": shape})
        for node in self.graph.node:
            if node.op_type == "Identity" and node.input[0] in self.consts:  # a deduplicated initializer
                self.consts[node.output[0]] = self.consts[node.input[0]]
                continue
            if node.op_type == "Shape" or (node.op_type != "Constant" and node.input and all(
                    n in self.consts or n in self.shape_values or not n for n in node.input)):
                self.shape_values.update(node.output)  # a computation on sizes or constants
                continue
            handler = getattr(self, f"_{node.op_type}", None)
            if handler is None:
                kind = NEAREST_OP.get(node.op_type) or nearest_layer(node.op_type)
                raise ImportRefused(f"{self.where(node)} is an operator NetBuilder has no layer for; the nearest "
                                    f"supported layer is {kind}.")
            handler(node, _attrs(node))
        outs = list(self.graph.output)
        for i, value in enumerate(outs):
            if value.name not in self.ids:
                raise ImportRefused(f"The graph's output {value.name!r} is not computed by layers NetBuilder maps.")
            self.b.add("out" if len(outs) == 1 else f"out{i + 1}", "Output", {}, [self.ids[value.name]])

    def layer(self, node, type_name, params=None, inputs=None, weights=None):
        inputs = node.input[:1] if inputs is None else inputs
        wanted = self.path(node) if weights else node.op_type.lower()
        self.ids[node.output[0]] = self.b.add(wanted, type_name, params or {}, self.ins(node, inputs), weights)

    # ----- operators ---------------------------------------------------------------------------
    def _Identity(self, node, a):
        self.ids[node.output[0]] = self.ins(node, node.input[:1])[0]

    _Dropout = _Identity  # inference graphs: dropout does nothing

    def _Constant(self, node, a):
        from onnx import numpy_helper

        self.consts[node.output[0]] = numpy_helper.to_array(a["value"])

    def _Conv(self, node, a):
        w = self.tensor(node.input[1])
        dims = w.dim() - 2
        if dims not in (1, 2) or a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise ImportRefused(f"{self.where(node)}: only 1-D and 2-D convolutions with explicit pads map "
                                "to NetBuilder's Conv1d/Conv2d.")
        weights = {"weight": w}
        if len(node.input) > 2:
            weights["bias"] = self.tensor(node.input[2])
        params = {"out_channels": w.shape[0], "kernel_size": _one(w.shape[2:]), "stride": _one(a.get("strides")),
                  "padding": _sym_pads(self.where(node), a.get("pads"), dims), "dilation": _one(a.get("dilations")),
                  "groups": a.get("group", 1), "bias": len(node.input) > 2}
        self.layer(node, "Conv1d" if dims == 1 else "Conv2d", params, weights=weights)

    def _Gemm(self, node, a):
        if a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0 or a.get("transA", 0):
            raise ImportRefused(f"{self.where(node)} scales or transposes its input; only y = xWᵀ + b maps to Linear.")
        w = self.tensor(node.input[1])
        w = w if a.get("transB", 0) else w.T.contiguous()
        weights = {"weight": w}
        if len(node.input) > 2:
            bias = self.tensor(node.input[2])
            weights["bias"] = bias.expand(w.shape[0]).contiguous()
        self.layer(node, "Linear", {"out_features": w.shape[0], "bias": len(node.input) > 2}, weights=weights)

    def _BatchNormalization(self, node, a):
        names = ("weight", "bias", "running_mean", "running_var")
        weights = {k: self.tensor(n) for k, n in zip(names, node.input[1:5])}
        weights["num_batches_tracked"] = torch.tensor(0)
        rank = len(self.shapes.get(node.input[0]) or [None, None, None, None])
        self.layer(node, "BatchNorm2d" if rank == 4 else "BatchNorm1d",
                   {"eps": a.get("epsilon", 1e-5), "momentum": round(1 - a.get("momentum", 0.9), 6)}, weights=weights)

    def _pool(self, node, a, type_name):
        if a.get("ceil_mode", 0) or any(d != 1 for d in a.get("dilations", [])):
            raise ImportRefused(f"{self.where(node)} uses ceil_mode or dilation, which NetBuilder's {type_name} "
                                "does not.")
        kernel = _one(a["kernel_shape"])
        strides = _one(a.get("strides"), 1)
        params = {"kernel_size": kernel, "stride": None if strides == kernel else strides,
                  "padding": _sym_pads(self.where(node), a.get("pads"), len(a["kernel_shape"]))}
        if type_name == "AvgPool2d" and params["padding"] and not a.get("count_include_pad", 0):
            raise ImportRefused(f"{self.where(node)} averages without the padding; NetBuilder's AvgPool2d counts it.")
        if len(a["kernel_shape"]) == 1:
            type_name = "MaxPool1d" if type_name == "MaxPool2d" else None
            if type_name is None:
                raise ImportRefused(f"{self.where(node)} is a 1-D average pool; NetBuilder has AvgPool2d only.")
        self.layer(node, type_name, params)

    def _MaxPool(self, node, a):
        self._pool(node, a, "MaxPool2d")

    def _AveragePool(self, node, a):
        self._pool(node, a, "AvgPool2d")

    def _GlobalAveragePool(self, node, a):
        self.layer(node, "AdaptiveAvgPool2d", {"output_size": 1})

    def _ReduceMean(self, node, a):
        axes = list(a.get("axes", [])) or (list(self.consts[node.input[1]]) if len(node.input) > 1 else [])
        rank = len(self.shapes.get(node.input[0]) or [])
        axes = sorted(int(x) % rank for x in axes) if rank else axes
        if axes == [2, 3] and rank == 4 and a.get("keepdims", 1):
            self.layer(node, "AdaptiveAvgPool2d", {"output_size": 1})
        elif len(axes) == 1 and axes[0] > 0:
            self.layer(node, "Mean", {"dim": axes[0], "keepdim": bool(a.get("keepdims", 1))})
        else:
            raise ImportRefused(f"{self.where(node)} averages over axes {axes}; NetBuilder maps one axis (Mean) "
                                "or height and width (AdaptiveAvgPool2d).")

    def _Flatten(self, node, a):
        if a.get("axis", 1) != 1:
            raise ImportRefused(f"{self.where(node)} flattens from axis {a.get('axis')}; NetBuilder keeps the batch "
                                "and flattens the rest (axis 1).")
        self.layer(node, "Flatten")

    def _Reshape(self, node, a):
        before, after = self.shapes.get(node.input[0]), self.shapes.get(node.output[0])
        if not before or not after or len(after) != 2:
            raise ImportRefused(f"{self.where(node)} reshapes {before} to {after}; NetBuilder maps a reshape to "
                                "[batch, features] only (a Flatten).")
        self.layer(node, "Flatten")

    def _Relu(self, node, a):
        self.layer(node, "ReLU")

    def _Sigmoid(self, node, a):
        self.layer(node, "Sigmoid")

    def _Tanh(self, node, a):
        self.layer(node, "Tanh")

    def _LeakyRelu(self, node, a):
        self.layer(node, "LeakyReLU", {"negative_slope": round(a.get("alpha", 0.01), 7)})

    def _Elu(self, node, a):
        self.layer(node, "ELU", {"alpha": round(a.get("alpha", 1.0), 7)})

    def _Gelu(self, node, a):
        approximate = a.get("approximate", "none")
        self.layer(node, "GELU", {"approximate": approximate.decode() if isinstance(approximate, bytes)
                                  else approximate})

    def _Softmax(self, node, a):
        self.layer(node, "Softmax", {"dim": a.get("axis", -1)})

    def _LogSoftmax(self, node, a):
        self.layer(node, "LogSoftmax", {"dim": a.get("axis", -1)})

    def _merge(self, node, type_name, params=None):
        if any(name in self.consts for name in node.input):
            raise ImportRefused(f"{self.where(node)} combines a tensor with a constant; NetBuilder's {type_name} "
                                "takes tensors only.")
        self.layer(node, type_name, params, inputs=list(node.input))

    def _Add(self, node, a):
        self._merge(node, "Add")

    def _Mul(self, node, a):
        self._merge(node, "Multiply")

    def _Concat(self, node, a):
        self._merge(node, "Concat", {"dim": a.get("axis", 1)})


def import_onnx(path: str | Path, input_shape=None):
    """(builder, a callable that runs the file or None, an example input)."""
    try:
        import onnx
    except ImportError:
        raise ImportRefused("Importing .onnx files needs the onnx package: pip install 'netbuilder[onnx]'.") from None
    path = Path(path)
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # noqa: BLE001 - a damaged file: say so, never a traceback
        raise ImportRefused(f"{path.name} is not a readable ONNX file ({exc}).") from None
    builder = GraphBuilder(path.stem)
    mapper = _OnnxMapper(model, builder)
    mapper.run(input_shape)
    shape = next(n.params["shape"] for n in builder.nodes if n.type == "Input")
    example = torch.randn(2, *shape, generator=torch.Generator().manual_seed(0))
    return builder, _runtime(path, model), example


def _runtime(path: Path, model):
    """The file run by onnxruntime, to compare outputs with; None when onnxruntime is not installed."""
    try:
        import onnxruntime
    except ImportError:
        return None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(x: torch.Tensor):
        return tuple(torch.from_numpy(o) for o in session.run(None, {name: x.numpy()}))
    return run
