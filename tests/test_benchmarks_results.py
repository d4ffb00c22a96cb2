"""Tests for benchmarks/results.py: each benchmark prints its section and replaces only its own in RESULTS.md."""

from benchmarks.results import publish


def test_publish_prints_and_replaces_only_its_own_section(tmp_path, capsys):
    path = tmp_path / "RESULTS.md"
    publish("one", "## One\n\nfirst", path=path)
    publish("two", "## Two\n\nsecond", path=path)
    publish("one", "## One\n\nagain", path=path)
    text = path.read_text()
    assert "again" in text and "first" not in text and "second" in text
    assert text.index("## One") < text.index("## Two")  # replaced in place, not appended
    out, err = capsys.readouterr()
    assert out.count("## One") == 2 and f"one: wrote {path}" in err


def test_publish_without_write_only_prints(tmp_path, capsys):
    path = tmp_path / "RESULTS.md"
    assert publish("one", "## One", write=False, path=path) == "## One"
    assert not path.exists() and "## One" in capsys.readouterr().out


def test_the_machine_line_names_the_first_cpus_model_and_family(tmp_path):
    from benchmarks.results import machine_description

    block = (
        "processor\t: {}\nvendor_id\t: AuthenticAMD\ncpu family\t: {}\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2\n\n"
    )
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(block.format(0, 25) + block.format(1, 26))
    assert machine_description(cpuinfo).startswith("AMD EPYC (CPU family 25), ")
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\n")
    assert machine_description(cpuinfo).startswith("Some CPU, ")
