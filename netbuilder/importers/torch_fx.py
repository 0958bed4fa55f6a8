"""An nn.Module class in a .py file -> a project, by torch.fx tracing.

Importing a file runs it (as `python file.py` would, minus its __main__ block): callers say so to
the user first. Leaf modules map to layer declarations with their constructor arguments read from
the module's attributes; functional calls and tensor methods map to layer nodes; nn.Sequential and
nested modules are traced through to their leaves. Nothing of the source is kept in the project."""

from __future__ import annotations

import importlib.util
import inspect
import operator
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from .builder import GraphBuilder, ImportRefused, refuse_unsupported

# ----- leaf modules: the declaration's params from the module's attributes -----------------------


def _size(v):
    return tuple(v) if isinstance(v, (tuple, list)) else v


def _require(where: str, module, **expected) -> None:
    for name, want in expected.items():
        have = getattr(module, name, want)
        if have != want:
            raise ImportRefused(f"{where} ({type(module).__name__}) has {name}={have!r}; NetBuilder's "
                                f"{type(module).__name__} supports only {name}={want!r}.")


def _conv(where, m):
    if isinstance(m.padding, str):
        raise ImportRefused(f"{where} (Conv) has padding={m.padding!r}; give the padding as numbers "
                            "(e.g. kernel_size // 2 for 'same' with an odd kernel).")
    _require(where, m, padding_mode="zeros")
    p = {"out_channels": m.out_channels, "kernel_size": _size(m.kernel_size), "stride": _size(m.stride),
         "padding": _size(m.padding), "dilation": _size(m.dilation), "groups": m.groups, "bias": m.bias is not None}
    if isinstance(m, nn.ConvTranspose2d):
        p["output_padding"] = _size(m.output_padding)
    return p


def _pool_stride(kernel, stride):
    """torch stores stride=None as the kernel size; the project leaves it out (the default)."""
    return None if stride in (None, kernel) or _size(stride) == _size(kernel) else _size(stride)


def _maxpool(where, m):
    _require(where, m, dilation=1 if isinstance(m.dilation, int) else m.dilation, ceil_mode=False,
             return_indices=False)
    if _size(m.dilation) not in (1, (1, 1)):
        raise ImportRefused(f"{where} (MaxPool) has dilation={m.dilation}; NetBuilder pools without dilation.")
    return {"kernel_size": _size(m.kernel_size), "stride": _pool_stride(m.kernel_size, m.stride),
            "padding": _size(m.padding)}


def _avgpool(where, m):
    _require(where, m, ceil_mode=False, count_include_pad=True, divisor_override=None)
    return {"kernel_size": _size(m.kernel_size), "stride": _pool_stride(m.kernel_size, m.stride),
            "padding": _size(m.padding)}


def _adaptive(where, m):
    if None in (m.output_size if isinstance(m.output_size, tuple) else (m.output_size,)):
        raise ImportRefused(f"{where} (AdaptiveAvgPool2d) keeps one dimension (None); give both sizes.")
    return {"output_size": _size(m.output_size)}


def _bn(where, m):
    _require(where, m, track_running_stats=True)
    if m.momentum is None:
        raise ImportRefused(f"{where} (BatchNorm) has momentum=None (a cumulative average); give a number.")
    return {"eps": m.eps, "momentum": m.momentum, "affine": m.affine}


def _layer_norm(where, m):
    if len(m.normalized_shape) != 1:
        raise ImportRefused(f"{where} (LayerNorm) normalizes over {list(m.normalized_shape)}; NetBuilder's "
                            "LayerNorm normalizes the last dimension only.")
    if m.elementwise_affine and m.bias is None:
        raise ImportRefused(f"{where} (LayerNorm) has bias=False; NetBuilder's LayerNorm learns a bias.")
    return {"eps": m.eps, "elementwise_affine": m.elementwise_affine}


def _rnn(where, m):
    _require(where, m, batch_first=True)
    if getattr(m, "proj_size", 0):
        raise ImportRefused(f"{where} (LSTM) has proj_size={m.proj_size}; NetBuilder's LSTM has no projection.")
    p = {"hidden_size": m.hidden_size, "num_layers": m.num_layers, "bias": m.bias, "dropout": float(m.dropout),
         "bidirectional": m.bidirectional, "return_sequence": True}
    if isinstance(m, nn.RNN):
        p["nonlinearity"] = m.nonlinearity
    return p


def _embedding(where, m):
    _require(where, m, max_norm=None, scale_grad_by_freq=False, sparse=False)
    return {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim, "padding_idx": m.padding_idx}


def _encoder(where, m):
    _require(where, m.self_attn, batch_first=True)
    act = getattr(m, "activation", F.relu)
    name = {F.relu: "relu", F.gelu: "gelu"}.get(act) or type(act).__name__.lower()
    if name not in ("relu", "gelu"):
        raise ImportRefused(f"{where} (TransformerEncoderLayer) uses the activation {name}; NetBuilder's supports "
                            "relu and gelu.")
    return {"nhead": m.self_attn.num_heads, "dim_feedforward": m.linear1.out_features, "dropout": m.dropout.p,
            "activation": name, "norm_first": m.norm_first}


def _upsample(where, m):
    if m.size is not None or not isinstance(m.scale_factor, (int, float)):
        raise ImportRefused(f"{where} (Upsample) needs one scale_factor (not a size or one per dimension).")
    return {"scale_factor": float(m.scale_factor), "mode": m.mode}


_none = lambda where, m: {}
MODULES = {
    nn.Linear: ("Linear", lambda w, m: {"out_features": m.out_features, "bias": m.bias is not None}),
    nn.Conv1d: ("Conv1d", _conv), nn.Conv2d: ("Conv2d", _conv), nn.ConvTranspose2d: ("ConvTranspose2d", _conv),
    nn.MaxPool1d: ("MaxPool1d", _maxpool), nn.MaxPool2d: ("MaxPool2d", _maxpool), nn.AvgPool2d: ("AvgPool2d", _avgpool),
    nn.AdaptiveAvgPool2d: ("AdaptiveAvgPool2d", _adaptive),
    nn.BatchNorm1d: ("BatchNorm1d", _bn), nn.BatchNorm2d: ("BatchNorm2d", _bn), nn.LayerNorm: ("LayerNorm", _layer_norm),
    nn.Dropout: ("Dropout", lambda w, m: {"p": m.p}),
    nn.ReLU: ("ReLU", _none), nn.SiLU: ("SiLU", _none), nn.Sigmoid: ("Sigmoid", _none), nn.Tanh: ("Tanh", _none),
    nn.LeakyReLU: ("LeakyReLU", lambda w, m: {"negative_slope": m.negative_slope}),
    nn.ELU: ("ELU", lambda w, m: {"alpha": m.alpha}), nn.GELU: ("GELU", lambda w, m: {"approximate": m.approximate}),
    nn.Softmax: ("Softmax", lambda w, m: {"dim": -1 if m.dim is None else m.dim}),
    nn.LogSoftmax: ("LogSoftmax", lambda w, m: {"dim": -1 if m.dim is None else m.dim}),
    nn.Flatten: ("Flatten", lambda w, m: {"start_dim": m.start_dim, "end_dim": m.end_dim}),
    nn.Unflatten: ("Unflatten", lambda w, m: {"dim": m.dim, "unflattened_size": tuple(m.unflattened_size)}),
    nn.LSTM: ("LSTM", _rnn), nn.GRU: ("GRU", _rnn), nn.RNN: ("RNN", _rnn), nn.Embedding: ("Embedding", _embedding),
    nn.TransformerEncoderLayer: ("TransformerEncoderLayer", _encoder), nn.Upsample: ("Upsample", _upsample),
}
IDENTITY_MODULES = (nn.Identity,)

# ----- functions and tensor methods -> (layer type, params from the call) -------------------------


def _arg(node: fx.Node, index: int, name: str, default):
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


def _pool_call(type_name):
    def params(n):
        if _arg(n, 4 if type_name == "MaxPool2d" else 3, "ceil_mode", False):
            raise ImportRefused(f"'{n.name}' ({n.target.__name__}) uses ceil_mode=True, which NetBuilder's "
                                f"{type_name} does not.")
        k = _arg(n, 1, "kernel_size", 2)
        return {"kernel_size": _size(k), "stride": _pool_stride(k, _arg(n, 2, "stride", None)),
                "padding": _size(_arg(n, 3, "padding", 0))}
    return type_name, params


_act = {F.relu: "ReLU", torch.relu: "ReLU", F.relu_: "ReLU", torch.sigmoid: "Sigmoid", F.sigmoid: "Sigmoid",
        torch.tanh: "Tanh", F.tanh: "Tanh", F.silu: "SiLU", "relu": "ReLU", "relu_": "ReLU", "sigmoid": "Sigmoid",
        "tanh": "Tanh"}
FUNCTIONS = {
    **{f: (t, lambda n: {}) for f, t in _act.items()},
    F.gelu: ("GELU", lambda n: {"approximate": n.kwargs.get("approximate", "none")}),
    F.elu: ("ELU", lambda n: {"alpha": _arg(n, 1, "alpha", 1.0)}),
    F.leaky_relu: ("LeakyReLU", lambda n: {"negative_slope": _arg(n, 1, "negative_slope", 0.01)}),
    F.softmax: ("Softmax", lambda n: {"dim": _arg(n, 1, "dim", -1)}),
    F.log_softmax: ("LogSoftmax", lambda n: {"dim": _arg(n, 1, "dim", -1)}),
    "softmax": ("Softmax", lambda n: {"dim": _arg(n, 1, "dim", -1)}),
    "log_softmax": ("LogSoftmax", lambda n: {"dim": _arg(n, 1, "dim", -1)}),
    torch.softmax: ("Softmax", lambda n: {"dim": _arg(n, 1, "dim", -1)}),
    torch.log_softmax: ("LogSoftmax", lambda n: {"dim": _arg(n, 1, "dim", -1)}),
    F.max_pool2d: _pool_call("MaxPool2d"), F.avg_pool2d: _pool_call("AvgPool2d"),
    F.max_pool1d: _pool_call("MaxPool1d"),
    F.adaptive_avg_pool2d: ("AdaptiveAvgPool2d", lambda n: {"output_size": _size(_arg(n, 1, "output_size", 1))}),
    F.dropout: ("Dropout", lambda n: {"p": _arg(n, 1, "p", 0.5)}),
    torch.flatten: ("Flatten", lambda n: {"start_dim": _arg(n, 1, "start_dim", 0), "end_dim": _arg(n, 2, "end_dim", -1)}),
    "flatten": ("Flatten", lambda n: {"start_dim": _arg(n, 1, "start_dim", 0), "end_dim": _arg(n, 2, "end_dim", -1)}),
    torch.mean: ("Mean", lambda n: {"dim": _arg(n, 1, "dim", None), "keepdim": _arg(n, 2, "keepdim", False)}),
    "mean": ("Mean", lambda n: {"dim": _arg(n, 1, "dim", None), "keepdim": _arg(n, 2, "keepdim", False)}),
}
ADDS = (operator.add, operator.iadd, torch.add, "add", "add_")
MULS = (operator.mul, operator.imul, torch.mul, "mul")
CATS = (torch.cat, torch.concat)
RESHAPES = ("view", "reshape", torch.reshape)
PASS_THROUGH = ("contiguous", "clone", "detach")
SHAPE_QUERIES = ("size", "dim")  # x.size(0) feeding a view: no node of its own


# ----- loading the file ---------------------------------------------------------------------------
def load_class(path: str | Path, class_name: str | None) -> type[nn.Module]:
    """Run the file as a module (its folder on sys.path for its own imports) and pick the class."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ImportRefused(f"No Python file at {path}.")
    name = f"netbuilder_import_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's code failed: say so in one paragraph
        raise ImportRefused(f"Running {path.name} failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop(name, None)
    found = {k: v for k, v in vars(module).items()
             if inspect.isclass(v) and issubclass(v, nn.Module) and v.__module__ == name}
    if class_name:
        cls = getattr(module, class_name, None)
        if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
            raise ImportRefused(f"{path.name} has no nn.Module class {class_name!r}; it defines "
                                f"{', '.join(found) or 'none'}.")
        return cls
    if len(found) != 1:
        raise ImportRefused(f"{path.name} defines {len(found)} nn.Module classes ({', '.join(found) or 'none'}); "
                            "name the one to import with --class.")
    return next(iter(found.values()))


def instantiate(cls: type[nn.Module]) -> nn.Module:
    try:
        return cls()
    except TypeError as exc:
        raise ImportRefused(f"{cls.__name__}() cannot be built without arguments ({exc}); give its constructor "
                            "defaults, or import a small file that builds it with your arguments, e.g. "
                            f"class Net({cls.__name__}): def __init__(self): super().__init__(...).") from None


# ----- tracing and mapping ------------------------------------------------------------------------
def guess_input_shape(model: nn.Module) -> tuple[int, ...]:
    first = next((m for m in model.modules() if type(m) in MODULES), None)
    if isinstance(first, nn.Linear):
        return (first.in_features,)
    hint = {nn.Conv2d: "channels,height,width, e.g. {c},28,28", nn.Conv1d: "channels,length, e.g. {c},100",
            nn.LSTM: "time,features, e.g. 20,{c}", nn.GRU: "time,features, e.g. 20,{c}",
            nn.RNN: "time,features, e.g. 20,{c}"}.get(type(first))
    c = getattr(first, "in_channels", getattr(first, "input_size", "C"))
    raise ImportRefused("Give the shape of one input sample (without the batch) with --input-shape"
                        + (f" ({hint.format(c=c)})" if hint else "") + ".", field="input_shape")


def trace(model: nn.Module) -> fx.GraphModule:
    try:
        return fx.symbolic_trace(model)
    except Exception as exc:  # noqa: BLE001 - control flow on values, calls fx cannot follow ...
        where = _traced_frame(exc)
        raise ImportRefused(f"{type(model).__name__} cannot be traced by torch.fx{where}: "
                            + str(exc).strip().rstrip(".") + ". Code that branches on tensor values, or loops a data-dependent number of "
                            "times, cannot become a fixed graph.") from None


def _traced_frame(exc: BaseException) -> str:
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        self_obj = frame.f_locals.get("self")
        if isinstance(self_obj, nn.Module) and frame.f_code.co_name == "forward":
            return f" (in {type(self_obj).__name__}.forward, line {frame.f_lineno})"
    return ""


class _Mapper:
    def __init__(self, gm: fx.GraphModule, builder: GraphBuilder, dtype: str):
        self.gm, self.b, self.dtype = gm, builder, dtype
        self.ids: dict[fx.Node, str] = {}  # fx node -> the project node holding its value
        self.rnn_of: dict[fx.Node, str] = {}  # an RNN call (a tuple) -> its node id
        self.called: set[str] = set()

    def tensor_ins(self, node: fx.Node, args) -> list[str]:
        out = []
        for a in args:
            if isinstance(a, fx.Node):
                if a not in self.ids:
                    raise ImportRefused(f"'{node.name}' uses '{a.name}', which is not a tensor NetBuilder follows "
                                        f"(in {self._where(node)}).")
                out.append(self.ids[a])
        return out

    def _where(self, node: fx.Node) -> str:
        stack = node.meta.get("stack_trace") or ""
        lines = [ln.strip() for ln in stack.strip().splitlines() if ln.strip().startswith("File")]
        return lines[-1] if lines else node.format_node()

    def shape(self, node: fx.Node) -> tuple[int, ...]:
        meta = node.meta.get("tensor_meta")
        return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else ()

    def run(self) -> None:
        for node in self.gm.graph.nodes:
            getattr(self, f"_{node.op}")(node)

    def _placeholder(self, node):
        shape = self.shape(node)[1:]
        self.ids[node] = self.b.add(node.name if node.name not in ("x", "input") else "x", "Input",
                                    {"shape": shape, "dtype": self.dtype})

    def _output(self, node):
        outs = node.args[0] if isinstance(node.args[0], (tuple, list)) else [node.args[0]]
        for i, out in enumerate(outs):
            self.b.add("out" if len(outs) == 1 else f"out{i + 1}", "Output", {}, self.tensor_ins(node, [out]))

    def _get_attr(self, node):
        raise ImportRefused(f"forward() uses the tensor self.{node.target} directly; NetBuilder's layers hold "
                            "their own weights. Wrap it in a layer (e.g. nn.Linear) to import the model.")

    def _call_module(self, node):
        module = self.gm.get_submodule(node.target)
        where = f"'{node.target}'"
        if isinstance(module, IDENTITY_MODULES):
            self.ids[node] = self.tensor_ins(node, node.args[:1])[0]
            return
        entry = MODULES.get(type(module))
        if entry is None:
            raise _unsupported(where, type(module))
        if node.target in self.called:
            raise ImportRefused(f"{where} is called more than once in forward() (shared weights); each NetBuilder "
                                "layer is one call. Use two layers, or import without the repeat.")
        self.called.add(node.target)
        type_name, params_of = entry
        params = params_of(where, module)
        if type_name == "TransformerEncoderLayer" and (len(node.args) > 1 or node.kwargs):
            raise ImportRefused(f"{where} is called with a mask; NetBuilder's TransformerEncoderLayer takes none.")
        ins = self.tensor_ins(node, node.args[:1])
        own = list(module.parameters())
        frozen = bool(own) and not any(p.requires_grad for p in own)  # e.g. NetBuilder's own frozen export
        node_id = self.b.add(node.target, type_name, params, ins, module.state_dict(), frozen)
        if type_name in ("LSTM", "GRU", "RNN"):
            self.rnn_of[node] = node_id
        else:
            self.ids[node] = node_id

    def _call_method(self, node):
        self._call_function(node)

    def _call_function(self, node):
        t = node.target
        if t in SHAPE_QUERIES or (t is getattr and node.args[1] == "shape"):
            return  # only feeds a reshape's arguments
        if t is operator.getitem:
            return self._getitem(node)
        if t in PASS_THROUGH:
            self.ids[node] = self.tensor_ins(node, node.args[:1])[0]
            return
        if t in FUNCTIONS:
            type_name, params_of = FUNCTIONS[t]
            params = params_of(node)
            if type_name == "Mean" and not isinstance(params["dim"], int):
                raise ImportRefused(f"'{node.name}' averages over {params['dim']!r}; NetBuilder's Mean takes one dim.")
            self.ids[node] = self.b.add(node.name, type_name, params, self.tensor_ins(node, node.args[:1]))
            return
        if t in ADDS or t in MULS:
            tensors = [a for a in node.args if isinstance(a, fx.Node)]
            if len(tensors) != len(node.args) or node.kwargs.get("alpha", 1) != 1:
                raise ImportRefused(f"'{node.name}' ({self._where(node)}) combines a tensor with a constant; "
                                    "NetBuilder's Add and Multiply take tensors only.")
            self.ids[node] = self.b.add(node.name, "Add" if t in ADDS else "Multiply", {},
                                        self.tensor_ins(node, tensors))
            return
        if t in CATS:
            dim = _arg(node, 1, "dim", 0)
            self.ids[node] = self.b.add(node.name, "Concat", {"dim": dim}, self.tensor_ins(node, node.args[0]))
            return
        if t in RESHAPES:
            return self._reshape(node)
        what = getattr(t, "__name__", str(t))
        raise ImportRefused(f"'{node.name}' calls {what} ({self._where(node)}), which NetBuilder cannot map to a "
                            "layer. Supported: relu, sigmoid, tanh, gelu, silu, elu, leaky_relu, softmax, "
                            "log_softmax, max_pool2d, avg_pool2d, adaptive_avg_pool2d, dropout, flatten, view, "
                            "reshape, mean, +, *, torch.cat, and [:, -1] after a recurrent layer.")

    def _reshape(self, node):
        src = node.args[0]
        (src_id,) = self.tensor_ins(node, [src])
        before, after = self.shape(src), self.shape(node)
        if after[:1] != before[:1] or len(after) < 2:
            raise ImportRefused(f"'{node.name}' reshapes {list(before)} to {list(after)}, changing the batch "
                                "dimension; NetBuilder's reshapes keep the batch.")
        if len(after) == 2:
            self.ids[node] = self.b.add(node.name, "Flatten", {"start_dim": 1}, [src_id])
            return
        # one dim split into several (e.g. [B, 784] -> [B, 1, 28, 28])
        for d in range(1, len(before)):
            if before[:d] == after[:d] and before[d + 1:] == after[len(after) - (len(before) - d - 1):]:
                sizes = after[d:len(after) - (len(before) - d - 1)]
                self.ids[node] = self.b.add(node.name, "Unflatten", {"dim": d, "unflattened_size": sizes}, [src_id])
                return
        raise ImportRefused(f"'{node.name}' reshapes {list(before)} to {list(after)}, which is neither a flatten "
                            "nor one dimension split into several.")

    def _getitem(self, node):
        src, index = node.args
        if src in self.rnn_of:  # out, h = self.lstm(x): out is item 0
            if index != 0:
                raise ImportRefused(f"'{node.name}' uses the hidden state of recurrent layer '{src.target}'; "
                                    "NetBuilder's recurrent layers output the sequence (or its last step). Take "
                                    "out[:, -1] instead of h_n.")
            self.ids[node] = self.rnn_of[src]
            return
        if isinstance(src, fx.Node) and src in self.ids and self._last_step(index):
            rnn_id = self.ids[src]
            rnn = next(n for n in self.b.nodes if n.id == rnn_id)
            if rnn.type in ("LSTM", "GRU", "RNN") and len(src.users) == 1:
                rnn.params.pop("return_sequence", None)  # the default: the last time step
                self.ids[node] = rnn_id
                return
            raise ImportRefused(f"'{node.name}' takes [:, -1] of '{src.name}', which NetBuilder maps only right "
                                "after a recurrent layer whose sequence has no other use.")
        raise ImportRefused(f"'{node.name}' indexes '{getattr(src, 'name', src)}' with {index!r} "
                            f"({self._where(node)}); NetBuilder maps indexing only as [:, -1] after a recurrent "
                            "layer.")

    @staticmethod
    def _last_step(index) -> bool:
        return (isinstance(index, tuple) and len(index) == 2 and index[0] == slice(None) and index[1] == -1)


def _unsupported(where: str, cls: type) -> ImportRefused:
    return refuse_unsupported(where, cls.__name__)


def import_module(model: nn.Module, input_shape=None, name: str | None = None) -> tuple[GraphBuilder, torch.Tensor]:
    """Trace an instantiated module; returns the builder (nodes, edges, weights) and the example input."""
    model = model.eval()
    shape = tuple(input_shape) if input_shape else guess_input_shape(model)
    first = next((m for m in model.modules() if type(m) in MODULES), None)
    dtype = "int64" if isinstance(first, nn.Embedding) else "float32"
    gm = trace(model)
    example = (torch.randint(0, first.num_embeddings, (2, *shape)) if dtype == "int64"
               else torch.randn(2, *shape, generator=torch.Generator().manual_seed(0)))
    try:
        with torch.no_grad():
            ShapeProp(gm).propagate(example)
    except Exception as exc:  # noqa: BLE001 - the user's forward() failed on this shape
        raise ImportRefused(f"{type(model).__name__} does not run on an input of shape {list(shape)} "
                            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); check "
                            "--input-shape (one sample, without the batch).", field="input_shape") from None
    gm.graph.eliminate_dead_code()  # e.g. the unused `_` of `out, _ = self.lstm(x)`
    builder = GraphBuilder(name or type(model).__name__)
    _Mapper(gm, builder, dtype).run()
    return builder, example
