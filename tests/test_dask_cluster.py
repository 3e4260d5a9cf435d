"""Robustness on a Dask cluster: the same numbers as in this process, and clear errors.

A LocalCluster of two worker processes stands in for a cluster of machines: its workers are
separate Python processes reached over TCP, as `dask scheduler` / `dask worker` would start.
"""
from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main
from workbench.examples import random_model
from workbench.robustness import cluster_executor

distributed = pytest.importorskip("distributed")

ROBUSTNESS = importlib.import_module("workbench.robustness")  # (wb.robustness is the function)
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "mental_health_strategy"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as local:
        yield local


def closed_port() -> str:
    """The address of a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


@pytest.mark.parametrize("cost_spread", [0.0, 0.1])  # one Reoptimiser per chunk; optimise
def test_cluster_draws_equal_in_process(cluster, cost_spread):
    model = random_model(10, seed=3)
    here = wb.robustness(model, samples=12, seed=4, progress=False, cost_spread=cost_spread)
    with cluster_executor(cluster.scheduler_address) as executor:
        there = wb.robustness(model, samples=12, seed=4, progress=False,
                              cost_spread=cost_spread, executor=executor)
        worker = executor.submit(os.getpid).result()
    pd.testing.assert_frame_equal(here.draws, there.draws)
    pd.testing.assert_frame_equal(here.selected, there.selected)
    pd.testing.assert_frame_equal(here.core, there.core)
    assert worker != os.getpid()  # the draws ran in another process


def test_cli_on_the_cluster_prints_the_same_as_in_process(cluster, capsys):
    arguments = ["robustness", str(EXAMPLE), "--samples", "6", "--seed", "1", "--json"]
    assert main(arguments) == 0
    here = json.loads(capsys.readouterr().out)
    assert main([*arguments, "--scheduler", cluster.scheduler_address]) == 0
    there = json.loads(capsys.readouterr().out)
    assert there == here


def test_cli_unreachable_scheduler_is_one_line_exit_2(capsys, monkeypatch):
    monkeypatch.setattr(ROBUSTNESS, "SCHEDULER_TIMEOUT", 2.0)
    address = closed_port()
    started = time.monotonic()
    code = main(["robustness", str(EXAMPLE), "--samples", "2", "--scheduler", address])
    seconds = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"workbench: cannot reach a Dask scheduler at {address} (")
    assert "start one with `dask scheduler`" in err
    assert seconds < 15  # bounded by the connect timeout


@pytest.mark.parametrize("address, expected", [
    ("nonsense", "missing port number"), ("http://127.0.0.1:8786", "unknown address scheme"),
])
def test_cli_malformed_address(capsys, address, expected):
    code = main(["robustness", str(EXAMPLE), "--samples", "2", "--scheduler", address])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"workbench: scheduler address {address!r}: ")
    assert expected in err and "e.g. tcp://10.0.0.5:8786" in err


def test_scheduler_without_workers_is_named(monkeypatch):
    monkeypatch.setattr(ROBUSTNESS, "SCHEDULER_TIMEOUT", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=True,
                                  dashboard_address=":0") as empty:
        with pytest.raises(wb.WorkbenchError) as error:
            with cluster_executor(empty.scheduler_address):
                pass
    assert str(error.value) == (f"the Dask scheduler at {empty.scheduler_address} has no "
                                f"worker after 1 s: start one with `dask worker "
                                f"{empty.scheduler_address}`")


def test_cli_without_distributed_says_how_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    code = main(["robustness", str(EXAMPLE), "--samples", "2", "--scheduler",
                 "tcp://127.0.0.1:8786"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == ("workbench: --scheduler / cluster_executor needs the 'distributed' package: "
                   "pip install 'workbench[dask]' (or pip install distributed)\n")


def test_cli_scheduler_or_workers_not_both(capsys):
    code = main(["robustness", str(EXAMPLE), "--samples", "2", "--workers", "2",
                 "--scheduler", "tcp://127.0.0.1:8786"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler: give either --scheduler (the cluster's workers) or --workers" in err
