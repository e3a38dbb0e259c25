"""locale: login shells get LANG/LC_ALL, the prompt and the vi alias; the locale exists."""

from testinfra.host import Host


def test_locale_is_generated(host: Host) -> None:
    assert "en_US.utf8" in host.check_output("locale -a").split()


def test_login_shell_environment(host: Host) -> None:
    out = host.check_output("bash -lc 'echo $LANG/$LC_ALL; locale 2>&1'")
    assert out.splitlines()[0] == "en_US.UTF-8/en_US.UTF-8"
    assert "Cannot set" not in out


def test_interactive_login_shell_alias_and_prompt(host: Host) -> None:
    out = host.check_output("bash -lic 'alias vi; echo \"$PS1\"' 2>/dev/null")
    assert "alias vi='vim'" in out
    assert "[\\u@\\h \\W]\\$" in out


def test_vim_is_installed_for_the_alias(host: Host) -> None:
    assert host.package("vim").is_installed
