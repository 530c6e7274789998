import pytest

from tasks.config import load_settings
from tasks.errors import ConfigError


def test_example_config_loads_with_paths_relative_to_it():
    s = load_settings("juesuan.toml")
    assert s.registry.name == "units.csv" and s.registry.is_absolute()
    c = s.campaign(2024)
    assert c is not None and c.open < c.deadline < c.publication
    assert s.campaign(1999) is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("batch_size = 0\n", "batch_size"),
        ("bogus = 1\n", "bogus"),
        ("[fetch]\nconcurency = 3\n", "concurency"),
        ("[campaign.2024]\nopen = 2025-01-01\n", "deadline"),
        ("[paths]\nregistery = 'x.csv'\n", "registery"),
        ("not toml ===", "not valid TOML"),
    ],
)
def test_bad_config_names_the_problem(tmp_path, text, needle):
    p = tmp_path / "juesuan.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(p)
    assert needle in str(exc.value) and str(p) in str(exc.value)


def test_missing_config(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
