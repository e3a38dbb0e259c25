from installer.preflight.minimums import MINIMUMS, Minimum, minimum_for


def test_one_role_is_its_row():
    assert minimum_for(["controller"]) == MINIMUMS["controller"]


def test_several_roles_take_the_most_cpus_and_the_sum_of_memory_and_disk():
    got = minimum_for(["controller", "compute"])
    assert got == Minimum(cpus=2, memory_gib=6, disk_gib=20)


def test_measured_peaks_fit_under_the_minimums():
    peaks = {"controller": 3.2, "network": 0.96, "compute": 0.67, "storage": 0.27}
    for role, peak in peaks.items():
        assert MINIMUMS[role].memory_gib > peak


def test_the_readme_states_the_same_table():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    for role, m in MINIMUMS.items():
        assert f"| {role} | {m.cpus} | {m.memory_gib:g} GiB | {m.disk_gib:g} GiB |" in readme
