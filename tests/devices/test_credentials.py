"""Credentials behind an inventory's `credentials_ref`: found in the environment or a private
file, and never shown: not in a repr, not in an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.devices.credentials import CredentialsError, resolve
from controller.devices.registry import UnknownPlatformError, open_driver
from sites.enums import Platform


def test_env_reference_reads_its_variables_and_hides_the_password() -> None:
    environ = {"BL_CPE_USERNAME": "netops", "BL_CPE_PASSWORD": "s3cr3t-pw"}
    found = resolve("env:BL_CPE", environ)
    assert found.username == "netops"
    assert found.password is not None and found.password.get_secret_value() == "s3cr3t-pw"
    assert "s3cr3t-pw" not in repr(found) + str(found)


def test_env_reference_without_a_secret_names_what_is_missing() -> None:
    with pytest.raises(CredentialsError, match=r"'env:BL_CPE'.*password or a key_file"):
        resolve("env:BL_CPE", {"BL_CPE_USERNAME": "netops"})
    with pytest.raises(CredentialsError, match="username: Field required"):
        resolve("env:BL_CPE", {"BL_CPE_PASSWORD": "x"})


def test_file_reference_must_be_private_and_never_echoes_its_content(tmp_path: Path) -> None:
    path = tmp_path / "cpe.yaml"
    path.write_text("username: netops\npassword: 'pa55:word'\n")
    path.chmod(0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        resolve(f"file:{path}")
    path.chmod(0o600)
    assert resolve(f"file:{path}").username == "netops"
    path.write_text("username: netops\npassword: [unclosed pa55word\n")
    with pytest.raises(CredentialsError) as broken:
        resolve(f"file:{path}")
    assert "pa55word" not in str(broken.value) and "not a YAML or JSON mapping" in str(broken.value)
    path.write_text("username: netops\npassword: pa55word\nport: 22\n")
    with pytest.raises(CredentialsError) as extra:
        resolve(f"file:{path}")
    assert "port: Extra inputs are not permitted" in str(extra.value)
    assert "pa55word" not in str(extra.value)
    with pytest.raises(CredentialsError, match="No such file"):
        resolve(f"file:{tmp_path / 'absent.yaml'}")


def test_references_without_a_resolver_say_so() -> None:
    with pytest.raises(CredentialsError, match="no resolver for 'vault'"):
        resolve("vault:cpe/branch-default")


def test_drivers_are_found_by_platform_and_a_missing_one_is_named() -> None:
    from controller.devices.base import Endpoint
    from controller.devices.credentials import Credentials

    end = Endpoint("127.0.0.1", 830, Credentials(username="u", password="p"))
    assert type(open_driver(Platform.NETCONF, end)).__name__ == "NetconfDriver"
    assert type(open_driver(Platform.HUAWEI_VRP, end)).__name__ == "CliDriver"
    with pytest.raises(UnknownPlatformError, match="no device driver 'cisco_ios'; known: "):
        open_driver(Platform.CISCO_IOS, end)
