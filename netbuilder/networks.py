"""Projects with several networks: the roles a recipe gives them, and the checks across them.

A GAN has a generator (noise in, an image out) and a discriminator (an image in, a score out);
a VAE an encoder (an image in, a code out) and a decoder (a code in, an image out). The
networks are named after their roles, so the file needs no other declaration. Each network is
analysed on its own (shapes.analyze); here the output of one must fit the input of the next."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ProjectError
from .spec import Project


@dataclass(frozen=True)
class Roles:
    networks: tuple[str, ...]  # the names the recipe needs
    data: str  # the network the data set feeds
    sampler: str  # the network that turns noise (a latent code) into samples
    forward: tuple[str, ...]  # Model.forward chains these
    link: tuple[str, str]  # the first's output must fit the second's input
    fits: str  # what the link means, in words


RECIPE_ROLES = {
    "adversarial": Roles(("generator", "discriminator"), "discriminator", "generator", ("generator",),
                         ("generator", "discriminator"), "the generator's images are what the discriminator judges"),
    "vae": Roles(("encoder", "decoder"), "encoder", "decoder", ("encoder", "decoder"), ("encoder", "decoder"),
                 "the encoder's code is what the decoder decodes"),
}


def recipe_name(project: Project) -> str | None:
    training = project.training if isinstance(project.training, dict) else {}
    recipe = training.get("recipe")
    return recipe if isinstance(recipe, str) else None


def roles(project: Project) -> Roles | None:
    """The roles of a project's networks, or None when its recipe trains one network."""
    return RECIPE_ROLES.get(recipe_name(project))


def class_name(network: str) -> str:
    """generator -> Generator, style_encoder -> StyleEncoder."""
    return "".join(part.capitalize() for part in network.split("_"))


def io_node(project: Project, kind: str):
    return next((n for n in project.nodes if n.type == kind), None)


def analyze_networks(project: Project, data_shape=None) -> dict:
    """Every network's Analysis (errors tagged with the network and prefixed with its name),
    plus the problems across networks, each shown on both ends. `data_shape` (see
    shapes.analyze) is for the network the data feeds."""
    from .shapes import analyze

    found = {}
    r = roles(project)
    fed = r.data if r is not None else None
    for name, graph in project.graphs().items():
        analysis = analyze(graph, data_shape if name == fed else None)
        for err in analysis.errors:
            if err.network is None:
                err.network, err.message = name, f"{name}: {err.message}"
        found[name] = analysis
    for name, message in role_errors(project):
        for target in ([name] if name in found else list(found)):
            found[target].errors.append(ProjectError(message, field="networks", network=target))
    link = _link_error(project, found)
    if link:
        for err in link:
            found[err.network].errors.append(err)
    return found


def role_errors(project: Project) -> list[tuple[str | None, str]]:
    """(network or None, message): a recipe without its networks, networks without a recipe."""
    r, recipe = roles(project), recipe_name(project)
    names = list(project.networks)
    if not names:
        if r is None:
            return []
        message = (f"The {recipe} recipe trains {' and '.join(r.networks)} networks; this project has one "
                   "network. Start from the matching template (netbuilder templates).")
        return [(None, message)]
    if r is None:
        known = ", ".join(f"{k} ({' and '.join(v.networks)})" for k, v in RECIPE_ROLES.items())
        message = (f"A project with several networks ({', '.join(names)}) needs training.recipe to say how "
                   f"they train: {known}.")
        return [(None, message)]
    out = []
    missing = [n for n in r.networks if n not in names]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        message = f"The {recipe} recipe needs networks named {' and '.join(r.networks)}; {', '.join(missing)} {verb} "
        out.append((None, message + "missing."))
    if recipe == "vae" and "encoder" in names:
        found = [n.id for n in project.graph("encoder").nodes if n.type == "Reparameterize"]
        if len(found) != 1:
            message = (f"The vae recipe needs one Reparameterize layer in the encoder (its mean and "
                       f"log-variance make the code); the encoder has {len(found)}.")
            out.append(("encoder", message))
    for n in names:
        if n not in r.networks:
            message = (f"Network '{n}' has no part in the {recipe} recipe (it trains {' and '.join(r.networks)}): "
                       "rename it or remove it.")
            out.append((n, message))
    return out


def _link_error(project: Project, found: dict) -> list[ProjectError]:
    r = roles(project)
    if r is None or any(n not in found or found[n].errors for n in r.link):
        return []
    first, second = r.link
    out_node = io_node(project.graph(first), "Output")
    in_node = io_node(project.graph(second), "Input")
    if out_node is None or in_node is None:
        return []
    got = found[first].tensors[out_node.id]
    want = found[second].tensors[in_node.id]
    if list(got.shape) == list(want.shape) and got.dtype == want.dtype:
        return []
    what = f"{first}'s output is {list(got.shape)} per sample but {second}'s Input '{in_node.id}' takes " \
           f"{list(want.shape)}"
    why = f"they must be the same, as {r.fits}"
    return [ProjectError(f"{first}: {what}; {why}. Change the layers before Output '{out_node.id}' (or "
                         f"{second}'s Input shape).", node=out_node.id, network=first),
            ProjectError(f"{second}: {what}; {why}. Set Input '{in_node.id}' shape to {list(got.shape)} (or "
                         f"change {first}).", node=in_node.id, field="shape", network=second)]
