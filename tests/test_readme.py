"""The README's test command is what CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_test_command_is_the_ci_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    block = readme.split("Set up and run the tests")[1].split("```bash\n")[1].split("```")[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 3
    for line in lines:
        assert line in ci.splitlines(), f"{line!r} is in the README but not in .ci/run"


def test_the_file_list_names_every_module_of_the_app_and_every_package():
    readme = (ROOT / "README.md").read_text()
    listing = readme.split("## Where things are")[1].split("```text\n")[1].split("```")[0]
    for mark in ",():":
        listing = listing.replace(mark, " ")
    words = set(listing.split())
    for package in ("explorer/core", "explorer/views", "explorer/window"):
        for module in sorted((ROOT / package).glob("*.py")):
            if module.name == "__init__.py":
                continue
            named = {f"{package}/{module.name}", module.name}
            assert named & words, f"{package}/{module.name} is not in the README's file list"
    for package in sorted((ROOT / "tinyformer").iterdir()):
        if package.is_dir() and (package / "__init__.py").exists():
            assert f"tinyformer/{package.name}/" in words, f"tinyformer/{package.name}/"
    for path in [w for w in words if "/" in w and not w.endswith("/")]:
        assert (ROOT / path).exists(), f"the README names {path}, which is not in the tree"


def test_the_library_example_runs_as_written():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The library")[1].split("```python\n")[1].split("```")[0]
    import torch

    torch.manual_seed(0)
    exec(compile(block, "README.md: The library", "exec"), {})
