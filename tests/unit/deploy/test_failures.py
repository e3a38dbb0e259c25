from installer.deploy.failures import error_lines


def test_msg_then_stderr_then_exit_code():
    lines = error_lines({"msg": "non-zero return code", "stderr": "E: boom\n", "rc": 100})
    assert lines == ["non-zero return code", "E: boom", "(exit code 100)"]


def test_stdout_is_used_when_a_command_fails_silently_on_stderr():
    lines = error_lines({"msg": "non-zero return code", "stdout": "ERROR 1045", "rc": 1})
    assert "ERROR 1045" in lines


def test_long_stderr_keeps_the_tail_and_says_so():
    stderr = "\n".join(f"line {i}" for i in range(100))
    lines = error_lines({"msg": "failed", "stderr": stderr})
    assert lines[-1] == "line 99"
    assert "earlier lines" in lines[1]
    assert len(lines) < 20


def test_module_crash_shows_module_stderr():
    lines = error_lines(
        {"msg": "MODULE FAILURE", "module_stderr": "Traceback...\nImportError: no pymysql"}
    )
    assert "ImportError: no pymysql" in lines


def test_censored_result_says_why_and_shows_nothing_else():
    lines = error_lines({"censored": "hidden", "msg": "never shown"})
    assert len(lines) == 1
    assert "no_log" in lines[0]


def test_loop_names_the_failing_items_only():
    res = {
        "msg": "One or more items failed",
        "results": [
            {"item": "ok-one", "failed": False, "msg": ""},
            {"item": "bad", "failed": True, "msg": "No package matching 'bad'"},
            {"_ansible_item_label": {"name": "db"}, "failed": True, "censored": "x"},
        ],
    }
    lines = error_lines(res)
    assert "item bad: No package matching 'bad'" in lines
    assert not any("ok-one" in line for line in lines)
    assert any(line.startswith("item db:") and "no_log" in line for line in lines)


def test_empty_result_still_says_something():
    assert error_lines({}) == ["the task failed without a message; see the full log"]
