import json

from installer.deploy.secrets import find_leaks, redact
from installer.masking import MASK, Masker, load_secret_values


def test_masker_hides_raw_and_json_escaped_values():
    mask = Masker(["pa\"ss-word-1", "short", "another-secret"])
    text = 'x pa"ss-word-1 y {"k": "pa\\"ss-word-1"} another-secret short'
    masked = mask(text)
    assert "ss-word-1" not in masked
    assert "another-secret" not in masked
    assert masked.count(MASK) == 3
    assert "short" in masked  # too short to be a generated secret


def test_find_leaks_names_file_and_key_and_redact_removes_them(tmp_path):
    secrets = {"mariadb_root_password": "Zx81-very-secret", "other": "Qq-never-leaked"}
    (tmp_path / "artifacts" / "infra").mkdir(parents=True)
    leaked = tmp_path / "artifacts" / "infra" / "stdout"
    leaked.write_text("ok: msg=Zx81-very-secret\n")
    (tmp_path / "clean.json").write_text(json.dumps({"a": "b"}))
    leaks = find_leaks(tmp_path, secrets)
    assert [(leak.path, leak.key) for leak in leaks] == [(leaked, "mariadb_root_password")]
    redact(leaks, secrets)
    assert find_leaks(tmp_path, secrets) == []
    assert MASK in leaked.read_text()


def test_secret_values_come_from_the_rendered_secrets_file(tmp_path):
    path = tmp_path / "inventory" / "group_vars" / "all" / "secrets.yml"
    path.parent.mkdir(parents=True)
    path.write_text("# header\nkeystone_admin_password: abcdefgh123\nempty:\n"
                    "ceph_fsid: 8922343b-2748-4643-89f1-06ab1205aa14\n"
                    "ceph_admin_key: AQBrmz9pAAAAABAAqHrKNrd7UHEAVOXq4T8ZKA==\n")
    # the fsid is an identifier (ceph -s shows it), a cephx key is a secret
    assert load_secret_values(tmp_path) == {
        "keystone_admin_password": "abcdefgh123",
        "ceph_admin_key": "AQBrmz9pAAAAABAAqHrKNrd7UHEAVOXq4T8ZKA=="}
    assert load_secret_values(tmp_path / "nowhere") == {}
