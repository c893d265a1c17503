"""SSH keys over REST: validation order and messages as ATMO had them."""

from __future__ import annotations

import base64
import hashlib

import pytest

from atmo_lab.ssh_keys import openssh

from .support import private_key_openssh, private_key_pem, public_key

BOTH_STORES = True


def md5_colon(line: str) -> str:
    digest = hashlib.md5(base64.b64decode(line.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


async def test_add_list_get_raw_delete(api):
    line = public_key("rsa", "alice@laptop")
    r = await api("POST", "keys", {"title": "laptop", "key": line})
    assert r.code == 201, r.body
    key = r.json
    assert key["title"] == "laptop"
    assert key["prefix"] == "ssh-rsa"
    assert key["fingerprint"] == md5_colon(line)
    assert len(key["fingerprint"]) == 47
    blob = base64.b64decode(line.split()[1])
    expected_sha = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert key["fingerprint_sha256"] == "SHA256:" + expected_sha
    assert key["created_at"].endswith("+00:00")
    assert "key" not in key

    second = (await api("POST", "keys", {"title": "desk", "key": public_key()})).json
    listed = (await api("GET", "keys")).json["keys"]
    assert [k["id"] for k in listed] == [second["id"], key["id"]]  # newest first

    detail = (await api("GET", f"keys/{key['id']}")).json
    assert detail["key"] == line
    raw = await api("GET", f"keys/{key['id']}/raw")
    assert raw.code == 200
    assert raw.headers["Content-Type"].startswith("text/plain")
    assert raw.body.decode().strip() == line

    assert (await api("DELETE", f"keys/{key['id']}")).code == 204
    assert (await api("GET", f"keys/{key['id']}")).code == 404
    assert [k["id"] for k in (await api("GET", "keys")).json["keys"]] == [second["id"]]


@pytest.mark.parametrize("kind", ["rsa", "ecdsa", "ed25519"])
async def test_accepted_types(api, kind):
    r = await api("POST", "keys", {"title": kind, "key": public_key(kind)})
    assert r.code == 201, r.body


def _assert_rejected(r, field, message):
    assert r.code == 400, r.body
    assert r.json["errors"][field] == message
    assert r.json["message"]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("x" * 100_001, openssh.TOO_LARGE),
        ("ssh-rsa abcdef", openssh.INVALID),
        ("garbage", openssh.INVALID),
        (None, "Paste an OpenSSH public key (the contents of a .pub file)."),
        ("", "Paste an OpenSSH public key (the contents of a .pub file)."),
    ],
)
async def test_key_validation_messages(api, key, message):
    _assert_rejected(await api("POST", "keys", {"title": "t", "key": key}), "key", message)
    assert (await api("GET", "keys")).json["keys"] == []


async def test_unsupported_type(api):
    blob = public_key().split()[1]
    r = await api("POST", "keys", {"title": "t", "key": f"ssh-lol {blob}"})
    _assert_rejected(r, "key", openssh.UNSUPPORTED)
    assert "ssh-ed25519" in openssh.UNSUPPORTED


@pytest.mark.parametrize("make", [private_key_pem, private_key_openssh])
async def test_private_keys_are_named_plainly(api, make):
    r = await api("POST", "keys", {"title": "oops", "key": make()})
    _assert_rejected(r, "key", openssh.PRIVATE)
    assert "private key" in r.json["errors"]["key"]


async def test_a_putty_private_key_is_named_plainly(api):
    """(The add-key form leaves this to the server: labextension's forms.spec.ts.)"""
    putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me@laptop\n"
    r = await api("POST", "keys", {"title": "oops", "key": putty})
    _assert_rejected(r, "key", openssh.PRIVATE)


async def test_trailing_garbage_after_the_key_line(api):
    line = public_key()
    r = await api("POST", "keys", {"title": "t", "key": line + "\nssh-rsa AAAA"})
    _assert_rejected(r, "key", openssh.INVALID)


async def test_too_large_is_checked_first(api):
    r = await api("POST", "keys", {"title": "t", "key": private_key_pem() + "x" * 100_000})
    _assert_rejected(r, "key", openssh.TOO_LARGE)


@pytest.mark.parametrize(("title", "ok"), [("", False), ("  ", False), (None, False),
                                          ("x" * 100, True), ("x" * 101, False)])  # fmt: skip
async def test_title_rules(api, title, ok):
    r = await api("POST", "keys", {"title": title, "key": public_key()})
    if ok:
        assert r.code == 201
    else:
        assert r.code == 400 and "title" in r.json["errors"]


async def test_both_fields_reported_at_once(api):
    r = await api("POST", "keys", {"title": "", "key": "nope"})
    assert r.code == 400
    assert set(r.json["errors"]) == {"title", "key"}


async def test_duplicate_per_user_is_409_but_other_users_may_share(api):
    line = public_key()
    assert (await api("POST", "keys", {"title": "a", "key": line})).code == 201
    dup = await api("POST", "keys", {"title": "b", "key": line + "  "})
    assert dup.code == 409
    assert dup.json["errors"]["key"] == openssh.duplicate_message(md5_colon(line))


@pytest.mark.atmo(multi_user=True)
async def test_keys_are_private_to_their_owner(api):
    line = public_key()
    mine = (await api("POST", "keys", {"title": "a", "key": line}, user="alice")).json
    assert (await api("POST", "keys", {"title": "b", "key": line}, user="bob")).code == 201
    assert len((await api("GET", "keys", user="bob")).json["keys"]) == 1
    for method, path in [("GET", f"keys/{mine['id']}"), ("GET", f"keys/{mine['id']}/raw"),
                         ("DELETE", f"keys/{mine['id']}")]:  # fmt: skip
        assert (await api(method, path, user="bob")).code == 404
    assert (await api("GET", f"keys/{mine['id']}", user="alice")).code == 200


async def test_unknown_and_malformed_ids_are_404(api):
    assert (await api("GET", "keys/999")).code == 404
    r = await api("GET", "keys/abc")
    assert r.code == 404 and r.json["message"]


async def test_bad_json_body_is_400(api):
    r = await api("POST", "keys", raw_body="{not json")
    assert r.code == 400 and r.json["errors"] == {"body": "Send valid JSON."}


async def test_unauthenticated_is_403(api):
    r = await api("GET", "keys", headers={"Authorization": ""})
    assert r.code == 403
    r = await api(
        "POST", "keys", {"title": "t", "key": public_key()}, headers={"Authorization": ""}
    )
    assert r.code == 403
    assert (await api("GET", "keys")).json["keys"] == []
