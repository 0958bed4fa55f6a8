"""Experiments over the runtime: the runs index, k-fold cross-validation, hyper-parameter search.

Qt-free. A fold or a trial is a run of the runtime (`session.prepare` + `train.train`)."""
