"""`hatchway serve --snapstart`: the lifecycle played locally, through the
gateway, with the phases said in the log."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from hatchway.lifecycle import WARMUP_ROUNDS
from helpers.local_process import serving

pytest.importorskip("werkzeug")
pytest.importorskip("awslambdaric")

pytestmark = pytest.mark.subprocess

APP = (
    str(Path(__file__).resolve().parents[1] / "lifecycle_targets" / "lifecycle_app.py") + ":handler"
)


@pytest.mark.parametrize("runtime", ["ric", "hatchway"])
def test_snapstart_runs_init_snapshot_and_restore_before_the_first_request(
    runtime: str, tmp_path: Path
) -> None:
    log = tmp_path / "lifecycle.log"
    args = [APP, "--runtime", runtime, "--snapstart", "--source", "function-url"]
    with serving(args, env={"LIFECYCLE_LOG": str(log)}) as server:
        assert "SnapStart" in server.output
        server.wait_for("restored, after-restore hooks run; ready for requests")
        with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
            assert client.get("/x").status_code == 200
        output = server.output
        lines = log.read_text().splitlines()  # before the server stops (a shutdown then)
    assert output.index("snapshot taken, restoring") < output.index("ready for requests")
    steps = [line.split(" pid=")[0].split(" random=")[0] for line in lines]
    assert steps == [
        "app startup",
        *["app request /warm warmup=True"] * WARMUP_ROUNDS,
        "app shutdown",
        "app startup",
        "app request /x warmup=False",
    ]


@pytest.mark.parametrize("runtime", ["ric", "hatchway"])
def test_without_snapstart_init_runs_when_the_server_starts(runtime: str, tmp_path: Path) -> None:
    log = tmp_path / "lifecycle.log"
    args = [APP, "--runtime", runtime, "--source", "function-url"]
    with serving(args, env={"LIFECYCLE_LOG": str(log)}) as server:
        server.wait_for("INIT done; ready for requests")
        # INIT ran before any request, as with provisioned concurrency.
        steps = [line.split(" pid=")[0] for line in log.read_text().splitlines()]
        assert steps == ["app startup", *["app request /warm warmup=True"] * WARMUP_ROUNDS]
        with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
            assert client.get("/x").status_code == 200
    assert "restoring" not in server.output


def test_snapstart_in_process_is_refused() -> None:
    from hatchway.local.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["serve", APP, "--snapstart"])
    assert exited.value.code == 2


def test_a_forked_snapshot_gives_each_copy_its_own_random_sequence(tmp_path: Path) -> None:
    """--runtime hatchway --snapstart --max-concurrency 3: one process runs
    INIT and the before-snapshot shutdown, three forked copies restore; each
    starts its lifespan with `random` reseeded, so no two share a sequence."""
    log = tmp_path / "lifecycle.log"
    args = [APP, "--runtime", "hatchway", "--snapstart", "--max-concurrency", "3"]
    with serving(args, env={"LIFECYCLE_LOG": str(log)}) as server:
        assert "the snapshot forked into 3 copies" in server.output
        server.wait_for("ready for requests")
        deadline = time.monotonic() + 30
        while len(_startups(log)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
            assert client.get("/x").status_code == 200
        lines = log.read_text().splitlines()
    initialised, *restored = _startups(log)
    snapshot = next(line for line in lines if line.startswith("app shutdown")).split("random=")[1]
    assert len(restored) == 3
    assert len({pid for pid, _ in restored} | {initialised[0]}) == 4
    states = {state for _, state in restored}
    assert len(states) == 3
    assert snapshot not in states


def _startups(log: Path) -> list[tuple[str, str]]:
    """(pid, random state) of each lifespan startup, in order."""
    found = []
    for line in log.read_text().splitlines():
        if line.startswith("app startup"):
            fields = dict(part.split("=", 1) for part in line.split()[2:])
            found.append((fields["pid"], fields["random"]))
    return found


def test_warmup_and_startup_options_reach_an_app_target(tmp_path: Path) -> None:
    log = tmp_path / "lifecycle.log"
    app = APP.replace(":handler", ":app")
    args = [app, "--warmup", "/first", "--warmup", "/second?x=1", "--startup", "init"]
    with serving(args, env={"LIFECYCLE_LOG": str(log)}) as server:
        steps = [line.split(" pid=")[0] for line in log.read_text().splitlines()]
        assert steps[0] == "app startup"
        # The module's own handler warms /warm; the served Adapter, /first and /second.
        assert steps[-2 * WARMUP_ROUNDS :] == [
            *["app request /first warmup=True"] * WARMUP_ROUNDS,
            *["app request /second warmup=True"] * WARMUP_ROUNDS,
        ]
        with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
            assert client.get("/x").status_code == 200


def test_a_bad_warmup_path_is_refused_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from hatchway.local.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["serve", APP.replace(":handler", ":app"), "--warmup", "health"])
    assert exited.value.code == 2
    assert "--warmup: a warmup path must be a path like '/health'" in capsys.readouterr().err
