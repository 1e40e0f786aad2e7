"""The AUTOGRAD_CORE_* number settings: read once at import, a bad value named."""
import os
import subprocess
import sys

import pytest

from autograd_core.kernels import env_number


def test_env_number_reads_numbers_and_scales(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_CORE_TEST_NUMBER", raising=False)
    assert env_number("AUTOGRAD_CORE_TEST_NUMBER", 7) == 7
    assert env_number("AUTOGRAD_CORE_TEST_NUMBER", 2, 1 << 20) == 2 << 20
    monkeypatch.setenv("AUTOGRAD_CORE_TEST_NUMBER", "1e6")
    assert env_number("AUTOGRAD_CORE_TEST_NUMBER", 7) == 1_000_000
    monkeypatch.setenv("AUTOGRAD_CORE_TEST_NUMBER", "0.5")
    assert env_number("AUTOGRAD_CORE_TEST_NUMBER", 7, 1 << 20) == 1 << 19


@pytest.mark.parametrize("raw", ["abc", "", "nan", "inf", "12MiB"])
def test_env_number_names_the_variable_and_value(monkeypatch, raw):
    monkeypatch.setenv("AUTOGRAD_CORE_TEST_NUMBER", raw)
    with pytest.raises(ValueError, match=rf"AUTOGRAD_CORE_TEST_NUMBER={raw!r}.*number"):
        env_number("AUTOGRAD_CORE_TEST_NUMBER", 7)


@pytest.mark.parametrize("name", ["AUTOGRAD_CORE_SPLIT_MIN", "AUTOGRAD_CORE_BUFFER_CACHE_MIB"])
def test_import_with_a_bad_setting_says_which(name):
    env = dict(os.environ, **{name: "lots"})
    r = subprocess.run([sys.executable, "-c", "import autograd_core"], env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert f"environment variable {name}='lots'" in r.stderr
