"""Registers `netbuilder runs`, `cv` and `search` (each in its own module)."""

from __future__ import annotations


def add_parsers(sub) -> None:
    from . import cli_cv, cli_runs, cli_search

    for module in (cli_runs, cli_cv, cli_search):
        module.add_parser(sub)
