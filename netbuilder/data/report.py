"""The `netbuilder data --json` object (CONTRACT.md): what training will make of the data."""

from __future__ import annotations


def data_report(bundle) -> dict:
    info = bundle.info
    return {
        "rows": info.get("rows", len(bundle)),
        "task": bundle.task,
        "loss": info.get("loss"),
        "classes": bundle.class_names,
        "input_shape": list(bundle.input_shape),
        "target_shape": list(bundle.target_shape),
        "split": info.get("counts", {}),
        "columns": [{k: c[k] for k in ("name", "role", "type", "missing", "distinct", "why",
                                       "features", "flag")} for c in info.get("columns", [])],
        "missing": info.get("missing", {}),
        "features": list(bundle.feature_names or []),
        "target_scale": bundle.target_scale,  # null: trained on the target as it is
        **({"tokens": info["tokens"]} if info.get("tokens") else {}),
        **({"window": info["window"], "horizon": info["horizon"], "samples": len(bundle)}
           if info.get("window") else {}),
    }


def report_text(report: dict) -> str:
    """The same report for a terminal: one line per column."""
    split = report["split"]
    task = report["task"] + (f" ({len(report['classes'])} classes)" if report["classes"] else "")
    lines = [(f"{report['rows']} rows: {split.get('train', 0)} train, {split.get('val', 0)} val, "
             f"{split.get('test', 0)} test; task {task}, loss {report['loss']}; input shape "
             f"{report['input_shape']}")]
    if report.get("tokens"):
        t = report["tokens"]
        lines.append(f'"{t["column"]}" as word ids: vocabulary {t["vocabulary"]} (<pad> 0, <unk> '
                     f'1), {t["length"]} ids per row; an Embedding needs num_embeddings >= '
                     f'{t["vocabulary"]}')
    if report.get("target_scale"):
        lines.append(target_scale_text(report["target_scale"]))
    if report.get("window"):
        lines.append(f"{report['samples']} windows of {report['window']} rows, each predicting "
                     f"the value {report['horizon']} row(s) after it; split in time order")
    if report["columns"]:
        width = max(len(c["name"]) for c in report["columns"])
        for c in report["columns"]:
            lines.append(f"  {c['name']:<{width}}  {c['role']:<8} {c['type']:<11} "
                         f"missing {c['missing']:<5} distinct {c['distinct']:<6} "
                         f"-> {c['features']} input(s)" + (f"  ({c['why']})" if c["why"] else ""))
    m = report["missing"]
    if m.get("cells") or m.get("target_rows_dropped"):
        lines.append(f"missing: {m['cells']} cells in {m['rows']} rows ({m['policy']}); "
                     f"{m['rows_dropped']} rows dropped, {m['target_rows_dropped']} rows without "
                     "a target dropped")
    return "\n".join(lines)


def data_notes(info: dict, target_scale: dict | None = None) -> list[str]:
    """What training does to a table without being asked, for the notes `train` prints: the
    columns ignored by default (with why), missing cells filled, rows dropped, the target
    standardised."""
    notes = [target_scale_text(target_scale)] if target_scale else []
    chosen = ("ignored in the project", "not among the project's features")
    skipped = [f"{c['name']} ({c['why']})" for c in info.get("columns") or []
               if c["role"] == "ignored" and c["why"] not in chosen]
    if skipped:
        notes.append("columns ignored: " + "; ".join(skipped))
    m = info.get("missing") or {}
    if m.get("cells") and m.get("policy") == "impute":
        notes.append(f"{m['cells']} missing cells in {m['rows']} rows filled in as training "
                     "fits them (median / most frequent)")
    if m.get("rows_dropped"):
        notes.append(f"{m['rows_dropped']} rows with missing cells dropped")
    if m.get("target_rows_dropped"):
        notes.append(f"{m['target_rows_dropped']} rows without a target dropped")
    return notes


def target_scale_text(target_scale: dict) -> str:
    """What standardising a regression target means for the user, in one sentence."""
    pairs = ", ".join(f"mean {m:.6g}, std {s:.6g}" for m, s in
                      zip(target_scale["shift"], target_scale["scale"]))
    return (f"target is standardised on the training rows ({pairs}): the loss is on that scale, "
            "predictions and metrics in the target's units")
