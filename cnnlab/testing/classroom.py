"""Classroom test helpers: finished runs made through the real job manager with a scripted runner (so every
run passed the challenge's enforcement), and the small stacks a challenge allows."""

from __future__ import annotations

from cnnlab.core.hyper import Optimizer, TrainConfig
from cnnlab.engine.jobs import JobManager
from cnnlab.testing.engine import ScriptedRunner, finished_event

CHALLENGE_CONFIG = TrainConfig(epochs=1, train_size=2000, optimizer=Optimizer.ADAM)


def conv_stack(filters: int) -> dict:
    """Conv2D(filters, 3×3) → MaxPooling2D(2) → Flatten → Dense(10): 10 × filters + 1,690 × filters + 10
    parameters (8 filters: 13,610; 4: 6,810; 5: 8,510)."""
    return {
        "name": f"conv{filters}",
        "input_shape": [28, 28, 1],
        "layers": [
            {"type": "Conv2D", "filters": filters, "kernel_size": 3},
            {"type": "MaxPooling2D", "pool_size": 2},
            {"type": "Flatten"},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ],
    }


def finished_run(
    manager: JobManager,
    runner: ScriptedRunner,
    owner: str,
    spec: dict,
    accuracy: float,
    config: TrainConfig = CHALLENGE_CONFIG,
) -> str:
    """Submit `spec` for `owner` and let the scripted worker finish it at `accuracy` (one job at a time);
    returns the run id once it is stored with its figures."""
    started = len(runner.tasks)
    job_id = manager.submit(owner, spec, config)
    manager.step()  # starts it
    assert len(runner.tasks) == started + 1, "the job did not start: is another one still running?"
    runner.send(runner.tasks[started], finished_event(accuracy=accuracy, dataset=config.dataset),
                {"event": "done"})
    manager.step()  # records it
    assert manager.store.get(job_id, owner).state.is_final
    return job_id
