"""The Teach view's adapt child runs at the niceness the settings give it."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from service.teach.adapt_job import AdaptJob

# a stand-in for `gesture adapt`: its own niceness as the JSON report
CHILD = "import os; print('{\"nice\": %d}' % os.nice(0))"


class NicenessJob(AdaptJob):
    def command(self) -> list[str]:
        return [sys.executable, "-c", CHILD]


async def _run(job: AdaptJob) -> AdaptJob:
    job.start()
    assert job._task is not None
    await job._task
    return job


@pytest.mark.parametrize("nice", [0, 10])
def test_the_adapt_child_runs_at_the_configured_niceness(tmp_path, nice):
    job = NicenessJob(tmp_path, tmp_path / "out.onnx", tmp_path / "base.onnx", 1, nice=nice)
    job = asyncio.run(_run(job))
    assert job.state == "done", job.to_json()
    assert job.report == {"nice": os.nice(0) + nice}  # added to this process's own niceness
