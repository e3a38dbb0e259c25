#!/usr/bin/python3
"""Ensure keystone resources exist: projects, roles, service users, services and endpoints.

Talks to the keystone v3 API with the Python standard library only, so it needs nothing
installed on the node (Debian 12's openstacksdk is older than the openstack.cloud
collection accepts). Reports ``changed`` only when something was created or updated.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: stackinstall_keystone
short_description: Ensure keystone projects, roles, users, services and endpoints
description:
  - Creates what is missing and corrects what differs (user passwords, endpoint URLs).
  - Never deletes anything.
options:
  auth:
    description: Admin credentials, keys C(url), C(username), C(password), C(project_name),
      C(user_domain_name), C(project_domain_name).
    type: dict
    required: true
  region:
    description: Region of the endpoints.
    type: str
    default: RegionOne
  projects:
    description: Projects as C({name, description, domain}).
    type: list
    elements: dict
    default: []
  roles:
    description: Role names.
    type: list
    elements: str
    default: []
  users:
    description: Users as C({name, password, domain, project, roles}); each gets the roles
      on the project.
    type: list
    elements: dict
    default: []
  services:
    description: Services as C({name, type, description, endpoints}); endpoints maps
      interface to URL.
    type: list
    elements: dict
    default: []
  timeout:
    description: Seconds to wait for one API answer.
    type: int
    default: 30
author: stackinstall
"""

EXAMPLES = r"""
- name: Register glance
  stackinstall_keystone:
    auth: "{{ openstack_service_admin_auth }}"
    users:
      - {name: glance, password: "{{ glance_keystone_password }}", project: service, roles: [admin]}
    services:
      - name: glance
        type: image
        endpoints: {public: "http://ctl:9292", internal: "http://ctl:9292", admin: "http://ctl:9292"}
"""

RETURN = r"""
changes:
  description: What was created or updated, one line each.
  type: list
  elements: str
  returned: always
"""


class KeystoneError(Exception):
    """An API call failed; the message says which and why."""


class Keystone:
    """A minimal keystone v3 client authenticated as the admin."""

    def __init__(self, auth: dict[str, Any], timeout: int) -> None:
        self.url = str(auth["url"]).rstrip("/")
        self.timeout = timeout
        self.token = self.authenticate(auth)

    @staticmethod
    def _password_body(auth: dict[str, Any]) -> dict[str, Any]:
        scope: dict[str, Any] = {}
        if auth.get("project_name"):
            scope = {
                "project": {
                    "name": auth["project_name"],
                    "domain": {"name": auth.get("project_domain_name") or "Default"},
                }
            }
        body: dict[str, Any] = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": auth["username"],
                            "domain": {"name": auth.get("user_domain_name") or "Default"},
                            "password": auth["password"],
                        }
                    },
                }
            }
        }
        if scope:
            body["auth"]["scope"] = scope
        return body

    def _open(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept", "application/json")
        if token:
            request.add_header("X-Auth-Token", token)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read()
                return answer.status, answer.headers, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = raw.decode(errors="replace")
            return exc.code, exc.headers, payload
        except (urllib.error.URLError, OSError) as exc:
            raise KeystoneError(f"{method} {self.url}{path}: {exc}") from exc

    def authenticate(self, auth: dict[str, Any]) -> str:
        status, headers, payload = self._open("POST", "/auth/tokens", self._password_body(auth))
        if status != 201:
            raise KeystoneError(
                f"keystone at {self.url} refused the admin credentials of {auth['username']!r} "
                f"(HTTP {status}: {payload})"
            )
        return str(headers["X-Subject-Token"])

    def can_authenticate(self, auth: dict[str, Any]) -> bool:
        status, _, _ = self._open("POST", "/auth/tokens", self._password_body(auth))
        return status == 201

    def call(
        self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201, 204)
    ) -> Any:
        status, _, payload = self._open(method, path, body, self.token)
        if status not in ok:
            raise KeystoneError(f"{method} {path} answered HTTP {status}: {payload}")
        return payload

    def status(self, method: str, path: str) -> int:
        return self._open(method, path, None, self.token)[0]

    def find(self, collection: str, **query: str) -> list[dict[str, Any]]:
        path = f"/{collection}"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        return list(self.call("GET", path)[collection])


class Reconciler:
    """Creates or corrects resources, recording each change (or would-be change in check mode)."""

    def __init__(self, api: Keystone, check_mode: bool) -> None:
        self.api = api
        self.check_mode = check_mode
        self.changes: list[str] = []
        self._domains: dict[str, str] = {}

    def _change(self, what: str) -> bool:
        self.changes.append(what)
        return not self.check_mode

    def domain_id(self, name: str) -> str:
        if name not in self._domains:
            found = self.api.find("domains", name=name)
            if not found:
                raise KeystoneError(f"keystone has no domain named {name!r}")
            self._domains[name] = found[0]["id"]
        return self._domains[name]

    def project(self, spec: dict[str, Any]) -> str | None:
        domain = self.domain_id(spec.get("domain") or "Default")
        found = self.api.find("projects", name=spec["name"], domain_id=domain)
        if found:
            return str(found[0]["id"])
        if not self._change(f"project {spec['name']} created"):
            return None
        body = {
            "project": {
                "name": spec["name"],
                "domain_id": domain,
                "description": spec.get("description") or "",
                "enabled": True,
            }
        }
        return str(self.api.call("POST", "/projects", body)["project"]["id"])

    def role(self, name: str) -> str | None:
        found = [r for r in self.api.find("roles", name=name) if not r.get("domain_id")]
        if found:
            return str(found[0]["id"])
        if not self._change(f"role {name} created"):
            return None
        return str(self.api.call("POST", "/roles", {"role": {"name": name}})["role"]["id"])

    def user(self, spec: dict[str, Any]) -> None:
        domain_name = spec.get("domain") or "Default"
        domain = self.domain_id(domain_name)
        found = self.api.find("users", name=spec["name"], domain_id=domain)
        project_id = self.project(
            {"name": spec["project"], "domain": spec.get("project_domain") or domain_name}
        )
        if found:
            user_id: str | None = str(found[0]["id"])
            auth = {
                "url": self.api.url,
                "username": spec["name"],
                "password": spec["password"],
                "user_domain_name": domain_name,
                "project_name": None,
            }
            if not self.api.can_authenticate(auth) and self._change(
                f"user {spec['name']} password updated"
            ):
                self.api.call(
                    "PATCH", f"/users/{user_id}", {"user": {"password": spec["password"]}}
                )
        elif self._change(f"user {spec['name']} created"):
            body = {
                "user": {
                    "name": spec["name"],
                    "domain_id": domain,
                    "password": spec["password"],
                    "default_project_id": project_id,
                    "enabled": True,
                }
            }
            user_id = str(self.api.call("POST", "/users", body)["user"]["id"])
        else:
            user_id = None
        for role_name in spec.get("roles") or []:
            role_id = self.role(role_name)
            path = f"/projects/{project_id}/users/{user_id}/roles/{role_id}"
            if user_id and project_id and role_id and self.api.status("HEAD", path) == 204:
                continue
            if self._change(f"role {role_name} granted to {spec['name']} on {spec['project']}"):
                self.api.call("PUT", path)

    def service(self, spec: dict[str, Any], region: str) -> None:
        found = [
            s for s in self.api.find("services", type=spec["type"]) if s.get("name") == spec["name"]
        ]
        if found:
            service_id: str | None = str(found[0]["id"])
        elif self._change(f"service {spec['name']} ({spec['type']}) created"):
            body = {
                "service": {
                    "name": spec["name"],
                    "type": spec["type"],
                    "description": spec.get("description") or "",
                    "enabled": True,
                }
            }
            service_id = str(self.api.call("POST", "/services", body)["service"]["id"])
        else:
            service_id = None
        for interface, url in sorted((spec.get("endpoints") or {}).items()):
            self.endpoint(spec["name"], service_id, interface, str(url), region)

    def endpoint(
        self, name: str, service_id: str | None, interface: str, url: str, region: str
    ) -> None:
        existing: list[dict[str, Any]] = []
        if service_id:
            existing = [
                e
                for e in self.api.find("endpoints", service_id=service_id, interface=interface)
                if (e.get("region_id") or e.get("region")) == region
            ]
        if not existing:
            self.region(region)
            if self._change(f"endpoint {name} {interface} {url} created"):
                body = {
                    "endpoint": {
                        "service_id": service_id,
                        "interface": interface,
                        "url": url,
                        "region_id": region,
                        "enabled": True,
                    }
                }
                self.api.call("POST", "/endpoints", body)
            return
        if existing[0]["url"] != url and self._change(
            f"endpoint {name} {interface} changed to {url}"
        ):
            self.api.call("PATCH", f"/endpoints/{existing[0]['id']}", {"endpoint": {"url": url}})

    def region(self, region: str) -> None:
        if self.api.status("GET", f"/regions/{urllib.parse.quote(region, safe='')}") == 200:
            return
        if self._change(f"region {region} created"):
            self.api.call("POST", "/regions", {"region": {"id": region}})


def run(module: AnsibleModule) -> dict[str, Any]:
    params = module.params
    api = Keystone(params["auth"], params["timeout"])
    reconciler = Reconciler(api, module.check_mode)
    for project in params["projects"]:
        reconciler.project(project)
    for role in params["roles"]:
        reconciler.role(role)
    for user in params["users"]:
        reconciler.user(user)
    for service in params["services"]:
        reconciler.service(service, params["region"])
    return {"changed": bool(reconciler.changes), "changes": reconciler.changes}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "auth": {"type": "dict", "required": True, "no_log": True},
            "region": {"type": "str", "default": "RegionOne"},
            "projects": {"type": "list", "elements": "dict", "default": []},
            "roles": {"type": "list", "elements": "str", "default": []},
            "users": {"type": "list", "elements": "dict", "default": [], "no_log": True},
            "services": {"type": "list", "elements": "dict", "default": []},
            "timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    try:
        module.exit_json(**run(module))
    except KeystoneError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
