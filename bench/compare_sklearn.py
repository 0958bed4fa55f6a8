"""Dev-only check (needs scikit-learn): the MLP template trained out of the box on public tables
against a scikit-learn pipeline on the same train/test rows.

    python bench/compare_sklearn.py FOLDER   (FOLDER holds some of TABLES: penguins.csv, Boston.csv, ...)"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TABLES = (("penguins.csv", "species"), ("Boston.csv", "medv"), ("Salaries.csv", "salary"),
          ("msleep.csv", "sleep_total"), ("Baseball.csv", "sal87"), ("Forbes2000.csv", "marketvalue"),
          ("Chile.csv", "vote"), ("pbc.csv", "status"))  # those in FOLDER are compared
SPLIT = {"val": 0.2, "test": 0.2, "seed": 0}


def ours(folder: Path, name: str, target: str, epochs: int) -> tuple[dict, object]:
    from netbuilder.session import load_project_data, run_training
    from netbuilder.spec import parse_project
    from netbuilder.templates import load_template

    doc = load_template("mlp").to_dict()
    doc["graph"]["nodes"][0]["params"].pop("shape")
    doc["training"].pop("loss", None)
    doc["training"].pop("metrics", None)
    doc["training"]["epochs"] = epochs
    doc["data"] = {"kind": "csv", "path": name, "target": target, "split": SPLIT}
    project = parse_project(doc)
    bundle = load_project_data(project, folder)
    fc3 = next(n for n in doc["graph"]["nodes"] if n["id"] == "fc3")
    fc3["params"]["out_features"] = bundle.num_classes or 1
    project = parse_project(doc)
    runs = folder / "runs"
    runs.mkdir(exist_ok=True)  # a fresh run folder each time: an old one does not block a rerun
    result = run_training(project, folder, out_dir=Path(tempfile.mkdtemp(prefix=name, dir=runs)))
    return result.test_metrics, bundle


def sklearn_score(folder: Path, name: str, target: str, bundle) -> float:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from netbuilder.data.csv_read import read_frame
    from netbuilder.data.split import split_indices

    frame, _ = read_frame(folder / name)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    train, _, test = split_indices(len(frame), SPLIT, name)
    cols = [c for c in bundle.plan["columns"] if c["role"] == "feature"]
    num = [c["name"] for c in cols if c["type"] == "numeric"]
    cat = [c["name"] for c in cols if c["type"] != "numeric"]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), cat)])
    x = frame[num + cat].astype({c: object for c in cat})
    y = frame[target]
    if bundle.task == "regression":
        model = make_pipeline(prep, MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=2000, random_state=0))
    else:
        model = make_pipeline(prep, MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=2000, random_state=0))
    model.fit(x.iloc[train], y.iloc[train])
    return float(model.score(x.iloc[test], y.iloc[test]))  # accuracy or R2


def main() -> None:
    folder = Path(sys.argv[1]).resolve()
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rows = []
    for name, target in TABLES:
        if not (folder / name).is_file():
            continue
        metrics, bundle = ours(folder, name, target, epochs)
        key = "r2" if bundle.task == "regression" else "accuracy"
        rows.append({"table": name, "task": bundle.task, "metric": key,
                     "netbuilder": metrics.get(key), "sklearn": sklearn_score(folder, name, target,
                                                                              bundle)})
        print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
