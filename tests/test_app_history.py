"""The run's numbers as the dashboard reads them (netbuilder.app.history), without Qt."""

from __future__ import annotations

from netbuilder.app.history import RunHistory


def test_gradient_flags_are_the_trainers_own_never_judged_again():
    h = RunHistory()
    h.start({"steps_per_epoch": 10, "epochs": 2})
    # norms that would look vanishing, but the trainer flagged nothing: nothing is shown
    h.add_grads(5, {"fc1": 1e-12, "fc2": 0.3}, {"gradients": {}, "weights": {}, "flags": {}})
    assert h.flags == {} and h.grad_norms == {"fc1": [1e-12], "fc2": [0.3]}
    h.add_grads(10, {"fc1": 0.2, "fc2": 0.3}, {"flags": {"fc2": "exploding"}})
    assert h.flags == {"fc2": "exploding"} and h.grad_steps == [5, 10]


def test_a_continued_run_shows_the_earlier_epochs_norms_and_logged_flags():
    h = RunHistory()
    earlier = [{"epoch": 1, "step": 10, "train_loss": 0.5, "grad_norms": {"fc1": 1e-9, "fc2": 0.1},
                "grad_flags": {"fc1": "vanishing"}},
               {"epoch": 2, "step": 20, "train_loss": 0.4, "grad_norms": {"fc2": 0.2}, "grad_flags": {}}]
    h.start({"steps_per_epoch": 10, "epochs": 4, "start_epoch": 3, "history": earlier,
             "steps": [[10, 0.5, 1e-3], [20, 0.4, 1e-3]]})
    assert h.grad_steps == [10, 20] and h.grad_norms["fc2"] == [0.1, 0.2]
    assert h.grad_norms["fc1"][0] == 1e-9 and h.grad_norms["fc1"][1] != h.grad_norms["fc1"][1]  # NaN: none
    assert h.flags == {}  # the last epoch's logged flags
    assert h.finished_epochs == 2 and h.start_step == 20 and h.total_steps == 40
