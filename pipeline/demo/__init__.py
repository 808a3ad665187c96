"""Demo returns and the demo run: invented returns for trying the batch, kept out of its path.

`generate` writes a realistic national set of filled returns from a seed, with its words taken
from `phrases.yaml`; `batch` runs the batch on such a set, made in a scratch folder, and writes
its outputs apart from real ones (`output/demo-<year>/`), every one marked DEMO. The batch
itself (`pipeline.run`) never imports this package.
"""

from pipeline.demo.batch import DEFAULT_INPUT, holds_only_readme, made_by_demo, run_demo
from pipeline.demo.generate import (
    DEFAULT_FOLDER,
    DEFAULT_SEED,
    EARLIER_FOLDER,
    MARKER_NAME,
    DemoError,
    DemoSet,
    describe,
    make_demo_returns,
    make_previous_returns,
)

__all__ = [
    "DEFAULT_FOLDER",
    "DEFAULT_INPUT",
    "DEFAULT_SEED",
    "EARLIER_FOLDER",
    "MARKER_NAME",
    "DemoError",
    "DemoSet",
    "describe",
    "holds_only_readme",
    "made_by_demo",
    "make_demo_returns",
    "make_previous_returns",
    "run_demo",
]
