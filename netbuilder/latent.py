"""The latent space of an autoencoder: where its code is, the codes of samples placed in 2-D, and
the pictures along the straight line between the codes of two samples.

Where the code is taken:
- a VAE (training.recipe "vae"): the encoder's output; in eval mode its Reparameterize layer
  gives the mean, so a sample's code is its mean;
- a plain autoencoder (one network, data target "input"): the output of its bottleneck, the node
  that every path from the Input to the Output passes through and that has the fewest numbers
  per sample, fewer than the Input (the one nearest the Input when several tie), or the node
  asked for by id.
  Decoding a code runs the rest of the network with that node's output replaced by the code,
  which is why the node must cut the graph: a skip connection around it would carry the sample
  past the code.

    code_node(project, node=None) -> (node id, its output shape per sample)
    codes(model, project, x, node=None) -> [N, D]
    interpolate(model, project, x_a, x_b, steps, node=None) -> [steps, C, H, W]
    pca_2d(codes) -> [N, 2]"""

from __future__ import annotations

import numpy as np

from .errors import ProjectError
from .spec import Project


def is_vae(project: Project) -> bool:
    from .networks import recipe_name

    return recipe_name(project) == "vae"


def is_autoencoder(project: Project) -> bool:
    """A project whose codes can be looked at: a VAE, or one network trained to give back its input."""
    one_network = not project.networks or len(project.networks) == 1
    return is_vae(project) or (one_network and (project.data or {}).get("target") == "input")


def _cuts(project: Project) -> list[str]:
    """The nodes (in graph order) every path from an Input to an Output passes through."""
    outgoing: dict[str, list[str]] = {n.id: [] for n in project.nodes}
    for e in project.edges:
        outgoing.setdefault(e.source, []).append(e.target)
    starts = [n.id for n in project.nodes if n.type == "Input"]
    ends = {n.id for n in project.nodes if n.type == "Output"}

    def reaches_end_without(skip: str) -> bool:
        seen, todo = {skip}, list(starts)
        while todo:
            node = todo.pop()
            if node in ends:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(outgoing.get(node, ()))
        return False

    return [n.id for n in project.nodes if n.type not in ("Input", "Output") and not reaches_end_without(n.id)]


def code_node(project: Project, node: str | None = None) -> tuple[str, tuple[int, ...]]:
    """(node id, per-sample shape) of a plain autoencoder's code: `node`, or its bottleneck."""
    from .shapes import analyze

    if project.networks and len(project.networks) > 1:
        raise ProjectError("A project with several networks has no single bottleneck; a VAE's code is its "
                           "encoder's output.", field="node")
    analysis = analyze(project)
    if analysis.errors:
        raise ProjectError(f"The graph is not valid: {analysis.errors[0].message}", node=analysis.errors[0].node)
    cuts = _cuts(project)
    if node is not None:
        if not project.has_node(node):
            raise ProjectError(f"--node {node}: there is no such node (nodes: "
                               f"{', '.join(n.id for n in project.nodes)}).", node=node, field="node")
        if node not in cuts:
            raise ProjectError(f"The code cannot be taken at '{node}': some path from the Input to the Output "
                               f"goes around it, so its output alone does not decide the reconstruction. "
                               f"Nodes that can hold the code: {', '.join(cuts) or 'none'}.", node=node, field="node")
        return node, tuple(analysis.tensors[node].shape)
    size = {c: int(np.prod(analysis.tensors[c].shape)) for c in cuts}
    inputs = [int(np.prod(analysis.tensors[n.id].shape)) for n in project.nodes if n.type == "Input"]
    narrow = [c for c in cuts if size[c] < min(inputs, default=0)]
    if not narrow:
        raise ProjectError("The graph has no bottleneck: no layer that every path from the Input to the Output "
                           "passes through holds fewer numbers than the Input (a skip connection around the "
                           "narrow part carries the sample past it). Name the code's node (--node).", field="node")
    best = min(narrow, key=lambda c: size[c])  # min keeps the first of equals: the one nearest the Input
    return best, tuple(analysis.tensors[best].shape)


def candidates(project: Project) -> list[str]:
    """The nodes a plain autoencoder's code can be taken at, in graph order."""
    return _cuts(project)


def _module_tap(model, project: Project, node: str):
    """("module", m): the node's own module, whose output is the code; ("input_of", m): the module
    it alone feeds, whose input is the code."""
    from .inspect.activations import _tap

    kind, name = _tap(project, dict(model.named_children()), node)
    if kind not in ("module", "input_of"):
        raise ProjectError(f"The code cannot be taken at '{node}': it is the model's own input or output.",
                           node=node, field="node")
    return kind, getattr(model, name)


def codes(model, project: Project, x, node: str | None = None) -> np.ndarray:
    """The codes of samples x, [N, D], in eval mode (a VAE's means, or the bottleneck's output)."""
    from .inspect.activations import node_outputs
    from .runtime.recipes_generative import decode

    if is_vae(project):
        return decode(model.encoder, x).reshape(len(x), -1).numpy()
    node, _ = code_node(project, node)
    return node_outputs(model, project, x, [node])[node].reshape(len(x), -1).numpy()


def interpolate(model, project: Project, x_a, x_b, steps: int = 8, node: str | None = None) -> np.ndarray:
    """The pictures decoded along the straight line between the codes of two samples,
    [steps, C, H, W] in [0, 1] (the first and last are the two samples' reconstructions)."""
    import torch

    from .inspect.activations import node_outputs
    from .runtime.recipes_generative import decode

    def line(pair: torch.Tensor) -> torch.Tensor:
        t = torch.linspace(0, 1, steps, dtype=pair.dtype).reshape(-1, *([1] * (pair.ndim - 1)))
        return (1 - t) * pair[0] + t * pair[1]

    if is_vae(project):
        pair = decode(model.encoder, torch.stack([x_a, x_b]))
        return decode(model.decoder, line(pair)).clamp(0, 1).numpy()
    node, _ = code_node(project, node)
    pair = node_outputs(model, project, torch.stack([x_a, x_b]), [node])[node]
    kind, module = _module_tap(model, project, node)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    path = line(pair).to(device)
    if kind == "module":  # the node's output becomes the code
        handle = module.register_forward_hook(lambda m, args, out: path)
    else:  # the input of the module the node feeds becomes the code
        handle = module.register_forward_pre_hook(lambda m, args: (path, *args[1:]))
    try:
        out = decode(model, x_a.expand(steps, *x_a.shape).to(device))
    finally:
        handle.remove()
    return out.clamp(0, 1).numpy()


def pca_2d(codes) -> np.ndarray:
    """Codes [N, D] placed in 2-D: their first two principal components (D <= 2: as they are)."""
    codes = np.asarray(codes, dtype=np.float64).reshape(len(codes), -1)
    if codes.shape[1] <= 2:
        return np.pad(codes, ((0, 0), (0, 2 - codes.shape[1])))
    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T
