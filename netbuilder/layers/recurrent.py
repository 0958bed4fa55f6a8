"""Recurrent layers over [time, features] sequences (batch_first)."""

from ..errors import ShapeError
from .base import LayerType, Tensor
from .checks import need_float, need_rank
from .params import Param
from .registry import register


def _rnn_shape(name):
    def shape(ins, p):
        need_float(name, ins[0])
        steps, _ = need_rank(name, ins[0], 2, "[time steps, features]",
                             "Sequences reach it as [time steps, features]; use Unflatten to add a features dim.")
        if p["dropout"] and p["num_layers"] == 1:
            raise ShapeError(f"{name}: dropout acts between stacked layers, so it needs num_layers ≥ 2.")
        width = p["hidden_size"] * (2 if p["bidirectional"] else 1)
        return Tensor((steps, width) if p["return_sequence"] else (width,))
    return shape


def _rnn_forward(var, ins, p):
    lines = [f"{var}, _ = self.{var}({ins[0]})"]
    if not p["return_sequence"]:
        lines.append(f"{var} = {var}[:, -1]  # last time step")
    return lines


def _rnn(name, doc, *extra):
    return LayerType(
        name, "Sequence", doc, shape=_rnn_shape(name), torch_class=f"nn.{name}",
        inferred=lambda ins, p: {"input_size": ins[0].shape[-1]}, positional=("input_size", "hidden_size"),
        fixed={"batch_first": True}, forward=_rnn_forward, summary_keys=("hidden_size", "return_sequence"),
        example_input=(6, 4),
        params=(Param("hidden_size", "int", 64, "Size of the hidden state.", min=1, max=65536, short="hidden"),
                Param("num_layers", "int", 1, "Stacked recurrent layers.", min=1, max=64),
                *extra,
                Param("bias", "bool", True, "Learn biases."),
                Param("dropout", "float", 0.0, "Dropout between stacked layers.", min=0.0, max=1.0),
                Param("bidirectional", "bool", False, "Also read the sequence backwards."),
                Param("return_sequence", "bool", False, "Output every time step [time, hidden] instead of "
                      "the last one [hidden].", torch_arg=False)))


register(
    _rnn("RNN", "Simple (Elman) recurrent layer.",
         Param("nonlinearity", "choice", "tanh", "Activation.", choices=("tanh", "relu"))),
    _rnn("LSTM", "Long short-term memory: remembers over long sequences."),
    _rnn("GRU", "Gated recurrent unit: a lighter LSTM."),
)
