"""The shipped skip list excludes the glance web-download import tests on Epoxy only, and
no other image import test (ids as tempest 43 lists them)."""

from __future__ import annotations

from installer.testbed.tempest.skips import excluded, load_skip_list

WEB_DOWNLOAD = [
    "tempest.api.image.v2.test_images.ImportImagesTest.test_image_web_download_import"
    "[id-f6feb7a4-b04f-4706-a011-206129f83e62]",
    "tempest.api.image.v2.test_images_negative.ImportImagesNegativeTest."
    "test_image_web_download_import_with_bad_url[id-c52f6a77-f522-4411-8dbe-9d14f2b1ba6b,"
    "negative]",
]
KEPT = [
    "tempest.api.image.v2.test_images.ImportImagesTest.test_image_glance_direct_import"
    "[id-32ca0c20-e16f-44ac-8590-07869c9b4cc2]",
    "tempest.api.image.v2.test_images.ImportImagesTest."
    "test_image_glance_download_import_success[id-8876c818-c40e-4b90-9742-31d231616305]",
    "tempest.api.image.v2.admin.test_images_metadefs_namespaces.MetadataNamespacesTest."
    "test_basic_metadata_definition_namespaces[id-319b765e-7f3d-4b3d-8b37-3ca3876ee768]",
]


def test_web_download_imports_are_excluded_on_epoxy_with_their_reason() -> None:
    found = excluded([*WEB_DOWNLOAD, *KEPT], load_skip_list(release="epoxy"))
    assert sorted(found) == sorted(WEB_DOWNLOAD)
    assert all("URI filtering" in entry.reason for entry in found.values())


def test_other_releases_run_them() -> None:
    assert not excluded(WEB_DOWNLOAD, load_skip_list(release="zed"))
