"""The bad-input catalogue: careless files and arguments, each with its exact outcome — the right reading or a
one-line refusal — through the library, the CLI and (where it has its own path) the dashboard.

| row | input | outcome |
|---|---|---|
| 1 | CSV, comma separator, unquoted decimal commas (``Броди,25,14,50,08``) | refused: more fields than the header |
| 2 | CSV in UTF-16 with or without byte-order mark, in cp1251 | read correctly, the encoding named |
| 3 | bytes no text encoding fits | refused, the encodings tried named |
| 4 | XLSX with several sheets | the first read and named; another by name; an unknown name refused |
| 5 | a write killed with SIGKILL (no cleanup can run) | its hidden temporary file is removed by the next write of that output; a running writer's is kept |
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO_ROOT

from analysis.errors import DataError
from analysis.sources.readers import decode_text, read_points

GOOD = "id;name;lon;lat\n1;Броди;25.14;50.08\n2;Підгірці;25.21;49.93\n"


def _cli(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, "-m", "analysis", "--quiet", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------------------------------------------- row 1
def test_decimal_commas_with_comma_separator_are_refused_not_shifted(tmp_path):
    bad = "id,name,lon,lat\n1,Броди,25,14,50,08\n2,Підгірці,25.21,49.93\n"
    with pytest.raises(DataError, match=r"rows 2 \(6\) have more fields than the header \(4"):
        read_points(bad.encode("utf-8"), name="settlements.csv")
    origins = tmp_path / "settlements.csv"
    origins.write_text(bad, encoding="utf-8")
    destinations = tmp_path / "cnap.csv"
    destinations.write_text(GOOD, encoding="utf-8")
    done = _cli("travel-times", "--origins", origins, "--destinations", destinations, "--out", tmp_path / "o.csv")
    assert done.returncode == 2 and not (tmp_path / "o.csv").exists()
    assert "more fields than the header" in done.stderr and "Traceback" not in done.stderr
    # quoted decimal commas, or a ';' separator, are read as they are meant
    quoted = 'id,name,lon,lat\n1,Броди,"25,14","50,08"\n'
    table = read_points(quoted.encode("utf-8"), name="q.csv")
    assert (table.geometry.x.iloc[0], table.geometry.y.iloc[0]) == pytest.approx((25.14, 50.08))


# ---------------------------------------------------------------------------------------------------- row 2
@pytest.mark.parametrize("encoding, named", [("utf-16", "utf-16"), ("utf-16-le", "utf_16_le"),
                                             ("utf-16-be", "utf_16_be"), ("cp1251", "cp1251"),
                                             ("utf-8-sig", None), ("utf-8", None)])
def test_text_encodings_are_detected_and_named(encoding, named):
    table = read_points(GOOD.encode(encoding), name="s.csv")
    assert list(table["name"]) == ["Броди", "Підгірці"]
    assert table.geometry.x.tolist() == pytest.approx([25.14, 25.21])
    notes = " ".join(table.attrs["warnings"])
    if named is None:
        assert "read as" not in notes
    else:
        assert f"read as {named}" in notes


# ---------------------------------------------------------------------------------------------------- row 3
def test_bytes_no_encoding_fits_are_refused():
    with pytest.raises(DataError, match="cannot tell the text encoding .*cp1251"):
        decode_text(b"id,name\n1,\x81\x98\x00\n", "x.csv")
    assert decode_text("а".encode("utf-8"), "x") == ("а", "utf-8")


# ---------------------------------------------------------------------------------------------------- row 4
def test_workbook_sheets_are_named_and_chosen(tmp_path):
    path = tmp_path / "points.xlsx"
    first = pd.DataFrame({"id": ["a"], "lon": [25.1], "lat": [50.0]})
    second = pd.DataFrame({"id": ["b", "c"], "lon": [25.2, 25.3], "lat": [49.9, 49.8]})
    with pd.ExcelWriter(path) as writer:
        first.to_excel(writer, sheet_name="Населені пункти", index=False)
        second.to_excel(writer, sheet_name="ЦНАП", index=False)
    table = read_points(path)
    assert list(table["id"]) == ["a"]
    assert any("read sheet 'Населені пункти' of 2 (Населені пункти, ЦНАП)" in w for w in table.attrs["warnings"])
    assert list(read_points(path, layer="ЦНАП")["id"]) == ["b", "c"]
    with pytest.raises(DataError, match="there is no sheet 'Аркуш3'; sheets: Населені пункти, ЦНАП"):
        read_points(path, layer="Аркуш3")
    single = tmp_path / "one.xlsx"
    first.to_excel(single, index=False)
    assert read_points(single).attrs["warnings"] == []


# ---------------------------------------------------------------------------------------------------- the CLI
def _points_files(tmp_path):
    origins = tmp_path / "settlements.csv"
    origins.write_text(GOOD, encoding="utf-8")
    destinations = tmp_path / "cnap.csv"
    destinations.write_text("id;lon;lat\nc1;25.15;50.07\n", encoding="utf-8")
    return origins, destinations


def test_cli_output_problems_are_one_line(tmp_path, monkeypatch, capsys):
    """Row 5: --out over an input, --out a folder, a file where a folder should be, a full disk; row 6: run's
    two outputs must not collide."""
    import errno

    import analysis.outputs
    from analysis.cli import main

    origins, destinations = _points_files(tmp_path)
    before = origins.read_bytes()
    base = ["--quiet", "travel-times", "--origins", str(origins), "--destinations", str(destinations)]
    assert main(base + ["--out", str(origins)]) == 2
    assert "is the input" in capsys.readouterr().err and origins.read_bytes() == before
    assert main(base + ["--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    assert main(base + ["--out", str(blocker / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("Error:") == 1 and err.splitlines()[-1].startswith("Error:") and "nothing was written" in err
    assert "Traceback" not in err

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o.csv"))

    monkeypatch.setattr(analysis.outputs, "write_csv", full)
    assert main(base + ["--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "Traceback" not in err
    monkeypatch.undo()
    assert main(["--quiet", "run", "--pack", "UA46040010000033885", "--out", str(tmp_path / "x.csv")]) == 2
    assert "give --out ending in .gpkg" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("option, value", [("--circuity", "nan"), ("--circuity", "inf"), ("--cutoff-min", "nan"),
                                           ("--cutoff-km", "-3"), ("--max-snap-m", "inf")])
def test_cli_numbers_must_be_finite(tmp_path, option, value, capsys):
    from analysis.cli import main

    origins, destinations = _points_files(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["travel-times", "--origins", str(origins), "--destinations", str(destinations), option, value,
              "--out", str(tmp_path / "o.csv")])
    assert exit_info.value.code == 2 and not (tmp_path / "o.csv").exists()
    err = capsys.readouterr().err
    assert f"error: argument {option}: '{value}' must be positive" in err or "is not a finite number" in err


def test_cli_damaged_network_is_one_line(tmp_path):
    from analysis.sources.synthetic import road_grid

    network = road_grid(5, 5, seed=1, origin_lonlat=(25.1, 50.0))
    folder = tmp_path / "net"
    network.save(folder)
    edges = pd.read_parquet(folder / "edges.parquet").drop(columns="oneway")
    edges.to_parquet(folder / "edges.parquet")
    origins, destinations = _points_files(tmp_path)
    done = _cli("travel-times", "--network", folder, "--origins", origins, "--destinations", destinations,
                "--out", tmp_path / "o.csv")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "damaged or incomplete (missing oneway)" in done.stderr


def test_cli_scheduler_that_is_not_dask_gives_up(tmp_path):
    """Something answers on the port but is not a Dask scheduler: a readable refusal after the timeout, not a
    hang."""
    import socket
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        started = time.monotonic()
        done = _cli("rank", "--packs", "UA46040010000033885", "--scheduler", f"tcp://127.0.0.1:{port}",
                    "--out", tmp_path / "r.csv")
        waited = time.monotonic() - started
    finally:
        server.close()
    assert done.returncode == 2 and "Cannot reach the Dask scheduler" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and waited < 100
    done = _cli("rank", "--scheduler", "nonsense", "--out", tmp_path / "r.csv")
    assert done.returncode == 2 and "must be 'serial', 'local' or a Dask scheduler address" in done.stderr


def test_cli_quiet_anywhere_notes_printed_and_no_empty_progress(tmp_path):
    origins = tmp_path / "no_ids.csv"
    origins.write_text("name;lon;lat\nБроди;25.14;50.08\n".encode("cp1251").decode("cp1251"), encoding="cp1251")
    _, destinations = _points_files(tmp_path)
    done = _cli("travel-times", "--origins", origins, "--destinations", destinations, "--out", tmp_path / "o.csv",
                "--quiet")
    assert done.returncode == 0, done.stderr
    assert "NOTE:" in done.stderr and "read as cp1251" in done.stderr
    loud = subprocess.run([sys.executable, "-m", "analysis", "travel-times", "--origins", str(origins),
                           "--destinations", str(destinations), "--out", str(tmp_path / "p.csv")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert loud.returncode == 0 and "0%" not in loud.stderr


# ---------------------------------------------------------------------------------------------------- row 5
def test_temporary_file_of_a_killed_write_is_swept_by_the_next_write(tmp_path):
    import os
    import signal
    import time

    from analysis.outputs import write_csv

    target = tmp_path / "travel_times.csv"
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from analysis.outputs import atomic_path\n"
        f"with atomic_path({str(target)!r}) as tmp:\n"
        "    tmp.write_text('half written')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n")], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        left = [p for p in tmp_path.iterdir() if p.name.startswith(".travel_times.csv.")]
        assert len(left) == 1 and f".{writer.pid}." in left[0].name
        # a second process writing the same output while the first runs keeps its file
        write_csv(pd.DataFrame({"a": [1]}), target)
        assert left[0].exists()
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert left[0].exists()  # SIGKILL: nothing could clean up
    time.sleep(0.1)
    write_csv(pd.DataFrame({"a": [2]}), target)
    assert not left[0].exists()
    assert [p.name for p in tmp_path.iterdir()] == ["travel_times.csv"]
    assert pd.read_csv(target, encoding="utf-8-sig")["a"].tolist() == [2]
