"""install(window): the Samples bottom tab of projects with a generative recipe (GAN, VAE) and
of autoencoders (their reconstructions of validation samples).

The tab is hidden for other projects. Its page (ui/training/generative_view.py, with its plots)
is built when the tab is first shown, or when a generative run is prepared, so that it sees the
run from its first epoch; the tab then comes to the front."""

from __future__ import annotations

from netbuilder.networks import recipe_name

TITLE = "Samples"
GENERATIVE = ("adversarial", "vae")


def shown_for(project) -> bool:
    """GANs and VAEs (their samples), and autoencoders (their reconstructions)."""
    return recipe_name(project) in GENERATIVE or (project.data or {}).get("target") == "input"


def install(window):
    """Returns a function that gives the page (building it)."""
    runner, doc, tabs = window.training.runner, window.document, window.bottom_tabs

    def build():
        from .generative_view import GenerativeView

        return GenerativeView(runner, doc)

    window.add_bottom_tab(build, TITLE)

    def follow() -> None:
        tabs.setTabVisible(tabs.index_of_title(TITLE), shown_for(doc.project))

    def prepared(ready) -> None:
        if shown_for(ready.project):
            built = tabs.is_built(TITLE)
            view = window.bottom_tab(TITLE)
            if not built:
                view._prepared(ready)  # it missed this signal: it did not exist yet
            tabs.setCurrentWidget(view)

    doc.analyzed.connect(follow)
    runner.prepared.connect(prepared)
    follow()
    return lambda: window.bottom_tab(TITLE)
