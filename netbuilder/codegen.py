"""Render a project as readable PyTorch source: the code the app trains is the code it exports.

Only validated, typed values reach the source (rendered by `literal`), never user strings as code.
"""

from __future__ import annotations

import json

from .param_counts import node_params, project_params
from .shapes import Analysis, analyze
from .spec import InvalidProject, Project

LINE = 88  # ruff's default line length


def literal(value) -> str:
    """A Python literal as ruff format writes it (double quotes, tuples with spaces)."""
    if isinstance(value, str):
        return json.dumps(value)  # valid Python too, with every control character escaped
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def doc_text(text: str) -> str:
    """User text made safe inside a docstring: it can neither close the string nor escape."""
    return " ".join(text.replace("\\", "/").replace('"', "'").split())


def wrap(text: str, width: int) -> list[str]:
    """Words filled greedily into lines of at most `width` (longer words cut): linear in the text,
    unlike textwrap, which took 18 s on a 6 MB description."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if len(word) > width:  # as textwrap does: fill the line, then whole lines of the word
            room = width - len(line) - 1
            if line and room > 0:
                line, word = f"{line} {word[:room]}", word[room:]
            if line:
                lines.append(line)
            while len(word) > width:
                lines.append(word[:width])
                word = word[width:]
            line = word
        elif line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def call(prefix: str, args: list[str], indent: str) -> list[str]:
    """`prefix(args)` on one line, or wrapped the way ruff format wraps a call that is too long."""
    one = f"{indent}{prefix}({', '.join(args)})"
    if len(one) <= LINE:
        return [one]
    inner = indent + "    "
    joined = f"{inner}{', '.join(args)}"
    if len(joined) <= LINE:
        return [f"{indent}{prefix}(", joined, f"{indent})"]
    return [f"{indent}{prefix}(", *(f"{inner}{a}," for a in args), f"{indent})"]


def constructor_args(node, inferred: dict) -> list[str]:
    layer = node.layer
    return [literal(v) if name in layer.positional else f"{name}={literal(v)}"
            for name, v in layer.arguments(node.params, inferred).items()]


def module_doc(project: Project) -> list[str]:
    """The module docstring: the model's name and the project's description, wrapped at 88."""
    name = doc_text(project.name) or "Model"
    about = doc_text(project.description)
    if not about:
        return [f'"""The {name} model."""']
    text = f"{name}: {about}"
    text = text if text.endswith(".") else text + "."
    wrapped = wrap(text, LINE - 6)
    if len(wrapped) == 1 and len(wrapped[0]) + 6 <= LINE:
        return [f'"""{wrapped[0]}"""']
    return ['"""' + wrapped[0], *wrapped[1:], '"""']


def shape_text(shape) -> str:
    return "[batch, " + ", ".join(map(str, shape)) + "]"


def forward_inputs(project: Project, analysis: Analysis) -> list[str]:
    """The Input node ids in the order forward() takes them (topological, ties in file order)."""
    inputs = {n.id for n in project.nodes if n.type == "Input"}
    return [i for i in analysis.order if i in inputs]


def render_model(project: Project, analysis: Analysis | None = None, param_count: int | None = None) -> str:
    """The model module's source. Raises InvalidProject when the graph has errors.
    A project with several networks gets one class per network and a Model holding them all."""
    if project.networks:
        return render_networks(project)
    analysis = analysis or analyze(project)
    if analysis.errors:
        raise InvalidProject(analysis.errors)
    uses_torch, body = model_class(project, analysis, "Model", param_count)
    lines = [*module_doc(project), ""]
    lines += ["import torch"] if uses_torch else []
    lines += ["from torch import nn", "", "", *body]
    return "\n".join(lines) + "\n"


def model_class(project: Project, analysis: Analysis, name: str, param_count: int | None,
                title: str | None = None) -> tuple[bool, list[str]]:
    """(whether it uses torch., the lines of `class name(nn.Module)`) for one valid graph."""
    nodes = {n.id: n for n in project.nodes}
    order = [nodes[i] for i in analysis.order]
    inputs = [nodes[i] for i in forward_inputs(project, analysis)]
    outputs = [n for n in project.nodes if n.type == "Output"]
    incoming = project.incoming_by_node()
    init: list[str] = []
    body: list[str] = []
    for node in order:
        ins = [e.source for e in incoming[node.id]]
        if node.layer.has_module:
            init += call(f"self.{node.id} = {node.layer.torch_class}",
                         constructor_args(node, analysis.inferred[node.id]), " " * 8)
        body += ["        " + line for line in node.layer.forward(node.id, ins, node.resolved())]
    returns = [incoming[o.id][0].source for o in outputs]
    body.append(f"        return {', '.join(returns)}")
    init += freeze_lines(order, analysis)

    doc = [f"    \"\"\"{doc_text(project.name)}{': the ' + title if title else ''}."]
    doc.append("")
    for n in inputs:
        doc.append(f"    Input {n.id}: {shape_text(analysis.tensors[n.id].shape)}"
                   + ("" if analysis.tensors[n.id].dtype == "float32" else " int64 token ids") + ".")
    for o in outputs:
        doc.append(f"    Output {o.id}: {shape_text(analysis.tensors[o.id].shape)}.")
    if param_count is not None:
        doc.append(f"    Parameters: {param_count:,}.")
    doc.append('    """')

    uses_torch = any("torch." in line for line in body)
    lines = [f"class {name}(nn.Module):", *doc, ""]
    lines += ["    def __init__(self):", "        super().__init__()", *init, ""]
    signature = call("def forward", ["self", *(n.id for n in inputs)], "    ")
    signature[-1] += ":"
    lines += signature
    lines += body
    lines += train_override(order)
    return uses_torch, lines


def render_networks(project: Project) -> str:
    """model.py of a project with several networks: a class per network (named after it:
    generator -> Generator) and Model, whose attributes are the networks (state_dict keys
    "generator.fc1.weight") and whose forward chains the recipe's forward networks."""
    from .networks import analyze_networks, class_name, roles

    analyses = analyze_networks(project)
    errors = [e for a in analyses.values() for e in a.errors]
    if errors:
        raise InvalidProject(errors)
    graphs = project.graphs()
    uses_torch, classes = False, []
    for name, graph in graphs.items():
        counts = project_params(graph, analyses[name]).values()
        total = None if None in counts else sum(counts)
        torch_used, lines = model_class(graph, analyses[name], class_name(name), total, title=name)
        uses_torch |= torch_used
        classes += [*lines, "", ""]
    chain = roles(project).forward
    first = graphs[chain[0]]
    args = forward_inputs(first, analyses[chain[0]])
    value = ", ".join(args)
    for name in chain:
        value = f"self.{name}({value})"
    names = ", ".join(graphs)
    doc = [f"    \"\"\"{doc_text(project.name)}: the {names.replace(', ', ' and ')} networks.", "",
           f"    forward runs {' then '.join(chain)}.", '    """']
    container = ["class Model(nn.Module):", *doc, "", "    def __init__(self):", "        super().__init__()",
                 *(f"        self.{name} = {class_name(name)}()" for name in graphs), ""]
    signature = call("def forward", ["self", *args], "    ")
    signature[-1] += ":"
    container += [*signature, f"        return {value}"]
    lines = [*module_doc(project), ""]
    lines += ["import torch"] if uses_torch else []
    lines += ["from torch import nn", "", "", *classes, *container]
    return "\n".join(lines) + "\n"


def frozen_modules(order, analysis: Analysis) -> list[str]:
    """Ids of the frozen nodes that hold parameters (a frozen ReLU has nothing to freeze)."""
    return [n.id for n in order if n.frozen and n.layer.has_module
            and node_params(n, analysis.inferred.get(n.id)) != 0]


def for_each_layer(ids: list[str], indent: str) -> list[str]:
    """`for layer in (self.a, self.b):` on one line, or one module a line as ruff format wraps it."""
    one = f"{indent}for layer in (" + ", ".join(f"self.{i}" for i in ids) + ("," if len(ids) == 1 else "") + "):"
    if len(one) <= LINE:
        return [one]
    return [f"{indent}for layer in (", *(f"{indent}    self.{i}," for i in ids), f"{indent}):"]


def freeze_lines(order, analysis: Analysis) -> list[str]:
    ids = frozen_modules(order, analysis)
    if not ids:
        return []
    return ["        # frozen layers: their parameters are not trained",
            *for_each_layer(ids, "        "), "            layer.requires_grad_(False)"]


def train_override(order) -> list[str]:
    """model.train() leaves frozen BatchNorm layers in eval mode: their statistics stay as loaded."""
    ids = [n.id for n in order if n.frozen and n.layer.running_stats]
    if not ids:
        return []
    return ["", "    def train(self, mode=True):",
            '        """Frozen BatchNorm layers keep their running statistics."""',
            "        super().train(mode)", *for_each_layer(ids, "        "),
            "            layer.eval()", "        return self"]
