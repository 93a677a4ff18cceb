"""The built wheel carries the rules and the catalogue, and runs from a fresh environment."""

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                    "--outdir", str(out), str(ROOT)], check=True, capture_output=True)
    (built,) = out.glob("recommender-*.whl")
    return built


def test_wheel_contains_every_rule_file_and_the_catalogue(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {str(p.relative_to(ROOT)) for p in (ROOT / "rules").rglob("*.yaml")}
    assert rules and {f"recommender/{r}" for r in rules} <= names
    assert {"recommender/catalogue/rows.yaml", "recommender/catalogue/choices.yaml"} <= names


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_checkout(wheel, tmp_path):
    """Installed as users install it, in a venv under a dotted folder (`python3 -m venv
    .venv`), the `recommend` script runs from another directory."""
    env_dir = tmp_path / ".project" / ".venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    str(wheel)], check=True, capture_output=True)
    # The dependencies come from this interpreter's site-packages (no network in tests). They
    # are added only after the wheel is installed (else pip would find the package already
    # there) and after the new environment's own directory, so the wheel wins.
    own = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                         check=True, capture_output=True, text=True).stdout.strip()
    paths = [p for p in site.getsitepackages() + [site.getusersitepackages()] if Path(p).is_dir()]
    (Path(own) / "deps-from-test.pth").write_text("\n".join(paths) + "\n")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    example = ROOT / "examples" / "fraud-scoring.yaml"
    where = subprocess.run([str(python), "-c", "import recommender._rulebook as r; "
                            "print(r.default_rules_dir())"], cwd=workdir, check=True,
                           capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(env_dir)), where
    result = subprocess.run([str(env_dir / "bin" / "recommend"), "--format", "json",
                             str(example)], cwd=workdir, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert '"storage"' in result.stdout


@pytest.mark.slow
def test_the_wheel_installed_under_a_dotted_path_runs_from_elsewhere(wheel, tmp_path):
    """As `python3 -m venv .venv`, `pip install --user` (~/.local), pipx and uv tool install it:
    under a folder whose name starts with a dot."""
    prefix = tmp_path / ".local"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                    "--quiet", "--target", str(prefix / "site"), str(wheel)],
                   check=True, capture_output=True)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    # the dependencies come from this environment, after the dotted target (no network)
    env = {**os.environ, "PYTHONPATH": str(prefix / "site")}
    where = subprocess.run([sys.executable, "-P", "-c", "import recommender; "
                            "print(recommender.__file__)"], cwd=workdir, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(prefix)), where
    result = subprocess.run([sys.executable, "-P", "-m", "recommender.cli",
                             str(ROOT / "examples" / "fraud-scoring.yaml")], cwd=workdir,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Storage" in result.stdout and result.stderr == ""
