"""The subscriptions API through FastAPI's TestClient, over an in-memory log read back by the real
registry: CRUD, ownership, auth, read-your-writes and the error shape. (Against Kafka: tests/integration.)"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from services.common.secrets import derive_webhook_secret
from tests.unit.api.helpers import SIGNING_KEY, Api, subscription


def create(api: Api, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.client.post("/subscriptions", json=body or subscription(), headers=api.as_writer())
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_created_subscription_is_stored_canonical_owned_by_the_token_and_readable_at_once(api: Api) -> None:
    created = create(api, subscription(query="type:leader_meeting AND leaders:Putin AND countries:\"North Korea\""))
    assert created["query"] == 'type:leader_meeting AND leaders:"Vladimir Putin" AND countries:KP'
    assert created["owner"] == "korea-desk"
    assert created["status"] == "active"
    assert created["created_at"] == created["updated_at"]
    # what was published is what the registry read back, and what a GET returns
    assert orjson.loads(api.log.records[-1][1]) == created  # type: ignore[arg-type]
    got = api.client.get("/subscriptions/kp-meetings", headers=api.as_reader())
    assert got.status_code == 200 and got.json() == created
    listed = api.client.get("/subscriptions", headers=api.as_reader()).json()
    assert listed["count"] == 1 and listed["subscriptions"] == [created]


def test_creating_an_existing_id_is_a_conflict_and_an_unknown_id_is_not_found(api: Api) -> None:
    create(api)
    again = api.client.post("/subscriptions", json=subscription(name="other"), headers=api.as_writer())
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "id"
    for method, path in (("GET", "/subscriptions/nope"), ("PATCH", "/subscriptions/nope"),
                         ("POST", "/subscriptions/nope/pause"), ("DELETE", "/subscriptions/nope"),
                         ("GET", "/subscriptions/nope/secret"), ("GET", "/subscriptions/nope/test")):
        response = api.client.request(method, path, headers=api.as_writer(),
                                      json={"name": "x"} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == {"field": "id", "reason": "no subscription 'nope'",
                                            "message": "id: no subscription 'nope'"}


def test_put_replaces_the_whole_subscription_but_keeps_created_at_and_owner(api: Api) -> None:
    created = create(api)
    body = subscription(name="Renamed", query="type:summit", channels=[{"kind": "file", "path": "kp.jsonl"}])
    del body["id"]
    response = api.client.put("/subscriptions/kp-meetings", json=body, headers=api.as_writer())
    assert response.status_code == 200, response.text
    replaced = response.json()
    assert (replaced["name"], replaced["query"], replaced["channels"]) == (
        "Renamed", "type:summit", [{"kind": "file", "path": "kp.jsonl"}])
    assert replaced["created_at"] == created["created_at"]
    assert replaced["owner"] == "korea-desk"


def test_put_of_a_new_id_creates_it_and_a_body_id_must_match_the_path(api: Api) -> None:
    response = api.client.put("/subscriptions/new-one", json=subscription("new-one"), headers=api.as_writer())
    assert response.status_code == 201
    mismatch = api.client.put("/subscriptions/new-one", json=subscription("other"), headers=api.as_writer())
    assert mismatch.status_code == 422
    assert mismatch.json()["error"]["field"] == "id"


def test_a_get_output_can_be_put_back_unchanged(api: Api) -> None:
    created = create(api)
    response = api.client.put("/subscriptions/kp-meetings", json=created, headers=api.as_writer())
    assert response.status_code == 200, response.text
    assert {k: v for k, v in response.json().items() if k != "updated_at"} == {
        k: v for k, v in created.items() if k != "updated_at"}


def test_a_client_cannot_claim_another_owner(api: Api) -> None:
    response = api.client.post("/subscriptions", json=subscription(owner="someone-else"), headers=api.as_writer())
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "owner"


def test_patch_changes_only_the_fields_given_and_null_removes_the_throttle(api: Api) -> None:
    create(api, subscription(throttle={"per_minute": 5}))
    response = api.client.patch("/subscriptions/kp-meetings", json={"name": "KP", "throttle": None},
                                headers=api.as_writer())
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "KP" and "throttle" not in patched
    assert patched["query"] == "type:leader_meeting AND countries:KP"
    refused = api.client.patch("/subscriptions/kp-meetings", json={"owner": "me"}, headers=api.as_writer())
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "owner"
    bad_query = api.client.patch("/subscriptions/kp-meetings", json={"query": "countries:UK"},
                                 headers=api.as_writer())
    assert bad_query.status_code == 400
    assert bad_query.json()["error"]["suggestion"] == "GB"


def test_pause_and_resume_change_the_status_and_are_idempotent(api: Api) -> None:
    create(api)
    paused = api.client.post("/subscriptions/kp-meetings/pause", headers=api.as_writer())
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    writes = len(api.log.records)
    again = api.client.post("/subscriptions/kp-meetings/pause", headers=api.as_writer())
    assert again.json()["status"] == "paused" and len(api.log.records) == writes
    listed = api.client.get("/subscriptions?status=paused", headers=api.as_reader()).json()
    assert [s["id"] for s in listed["subscriptions"]] == ["kp-meetings"]
    resumed = api.client.post("/subscriptions/kp-meetings/resume", headers=api.as_writer())
    assert resumed.json()["status"] == "active"
    assert api.client.get("/subscriptions?status=paused", headers=api.as_reader()).json()["count"] == 0


def test_delete_writes_a_tombstone_and_the_subscription_is_gone(api: Api) -> None:
    create(api)
    response = api.client.delete("/subscriptions/kp-meetings", headers=api.as_writer())
    assert response.status_code == 204
    assert api.log.records[-1] == ("kp-meetings", None)
    assert api.client.get("/subscriptions/kp-meetings", headers=api.as_reader()).status_code == 404


def test_lists_filter_by_owner(api: Api) -> None:
    create(api)
    assert api.client.get("/subscriptions?owner=korea-desk", headers=api.as_reader()).json()["count"] == 1
    assert api.client.get("/subscriptions?owner=other", headers=api.as_reader()).json()["count"] == 0
    bad = api.client.get("/subscriptions?status=sleeping", headers=api.as_reader())
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


# -- who may do what -----------------------------------------------------------------------------------------


def test_a_write_without_a_token_or_with_a_bad_one_is_401_with_a_bearer_challenge(api: Api) -> None:
    for headers in ({}, api.headers("att_not-a-token"), {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer "}):
        response = api.client.post("/subscriptions", json=subscription(), headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"]["field"] == "authorization"
    assert api.log.records == []


def test_a_read_only_token_reads_but_cannot_write(api: Api) -> None:
    create(api)
    assert api.client.get("/subscriptions", headers=api.as_reader()).status_code == 200
    for method, path in (("POST", "/subscriptions"), ("POST", "/subscriptions/kp-meetings/pause"),
                         ("DELETE", "/subscriptions/kp-meetings"), ("GET", "/subscriptions/kp-meetings/secret"),
                         ("POST", "/subscriptions/kp-meetings/rotate-secret")):
        response = api.client.request(method, path, headers=api.as_reader(),
                                      json=subscription("other") if path == "/subscriptions" else None)
        assert response.status_code == 403, (method, path)
        assert "insufficient_scope" in response.headers["www-authenticate"]
        assert "read-only" in response.json()["error"]["reason"]


def test_reads_from_another_machine_need_a_token(api: Api) -> None:
    response = api.client.get("/subscriptions")
    assert response.status_code == 401
    assert "other machines" in response.json()["error"]["reason"]


def test_reads_from_this_machine_are_open_but_writes_are_not(local_api: Api) -> None:
    assert local_api.client.get("/subscriptions").status_code == 200
    assert local_api.client.post("/subscriptions", json=subscription()).status_code == 401
    # a token that is presented must be valid, even where none is needed
    assert local_api.client.get("/subscriptions", headers=local_api.headers("att_revoked")).status_code == 401


def test_reads_need_a_token_everywhere_when_open_reads_are_off(tmp_path: Any) -> None:
    api = Api(tmp_path, client=("127.0.0.1", 50000), open_reads=False)
    with api.client:
        assert api.client.get("/subscriptions").status_code == 401
        assert api.client.get("/subscriptions", headers=api.as_reader()).status_code == 200


def test_a_revoked_token_stops_working_without_a_restart(api: Api) -> None:
    from services.api.tokens import revoke_token

    assert api.client.get("/subscriptions", headers=api.as_reader()).status_code == 200
    revoke_token(api.settings.resolved_api_tokens_file, "reader")
    assert api.client.get("/subscriptions", headers=api.as_reader()).status_code == 401


# -- webhook secrets ---------------------------------------------------------------------------------------


def test_the_secret_is_the_derived_standard_webhooks_secret_and_rotation_changes_it(api: Api) -> None:
    create(api, subscription(channels=[{"kind": "webhook", "url": "https://hooks.example.org/a"},
                                       {"kind": "webhook", "url_ref": "partner", "secret_ref": "partner-key"}]))
    secret = api.client.get("/subscriptions/kp-meetings/secret", headers=api.as_writer()).json()
    expected = derive_webhook_secret(SIGNING_KEY, "kp-meetings", 1)
    assert secret["secret"] == expected and secret["secret"].startswith("whsec_")
    assert secret["webhooks"][0]["secret"] == expected
    assert secret["webhooks"][1] == {"channel": 1, "target": "partner", "secret_ref": "partner-key", "secret": None,
                                     "secret_version": None}
    rotated = api.client.post("/subscriptions/kp-meetings/rotate-secret", headers=api.as_writer())
    assert rotated.status_code == 200 and rotated.json()["secret_version"] == 2
    # the webhook that signs with the derived secret carries the version the alerter signs with
    assert [c.get("secret_version") for c in rotated.json()["channels"]] == [2, None]
    after = api.client.get("/subscriptions/kp-meetings/secret", headers=api.as_writer()).json()
    assert after["secret"] == derive_webhook_secret(SIGNING_KEY, "kp-meetings", 2) != expected
    # a later PUT without secret_version keeps the rotated one
    body = {k: v for k, v in rotated.json().items() if k != "secret_version"}
    assert api.client.put("/subscriptions/kp-meetings", json=body,
                          headers=api.as_writer()).json()["secret_version"] == 2


def test_without_a_signing_key_the_secret_is_a_409_saying_so(tmp_path: Any) -> None:
    api = Api(tmp_path, signing_key=None)
    with api.client:
        create(api)
        response = api.client.get("/subscriptions/kp-meetings/secret", headers=api.as_writer())
        assert response.status_code == 409
        assert "ATTACHE_WEBHOOK_SIGNING_KEY" in response.json()["error"]["reason"]


def test_the_signing_key_and_tokens_appear_in_no_response(api: Api) -> None:
    create(api)
    bodies = [api.client.get(path, headers=api.as_writer()).text
              for path in ("/subscriptions", "/subscriptions/kp-meetings", "/health", "/openapi.json")]
    bodies.append(api.client.post("/subscriptions", json=subscription(), headers=api.as_writer()).text)
    bodies.append(api.client.get("/subscriptions", headers=api.headers(api.write_token + "x")).text)
    for body in bodies:
        assert SIGNING_KEY not in body
        assert api.write_token not in body and api.read_token not in body


# -- Kafka not confirming -------------------------------------------------------------------------------------


def test_a_write_kafka_does_not_confirm_is_a_503_saying_its_outcome_is_unknown(api: Api) -> None:
    api.log.fail = True
    response = api.client.post("/subscriptions", json=subscription(), headers=api.as_writer())
    assert response.status_code == 503
    assert response.json()["error"]["field"] == "(server)"
    assert "did not confirm" in response.json()["error"]["reason"]
    assert response.headers["retry-after"]


def test_health_reports_the_subscriptions_check(api: Api) -> None:
    create(api)
    body = api.client.get("/health").json()
    assert body["status"] == "ok"
    assert body["checks"]["subscriptions"] == {"ok": True, "detail": "1 subscriptions"}
    assert "attache_writes_total" in api.client.get("/metrics").text


def test_the_openapi_description_names_every_endpoint_and_the_subscription_contract(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/subscriptions", "/subscriptions/{sub_id}", "/subscriptions/{sub_id}/pause",
                 "/subscriptions/{sub_id}/resume", "/subscriptions/{sub_id}/secret",
                 "/subscriptions/{sub_id}/rotate-secret", "/subscriptions/test", "/subscriptions/{sub_id}/test",
                 "/alerts/stream", "/health"):
        assert path in paths, path
    components = schema["components"]["schemas"]
    assert components["Subscription"]["properties"]["query"]["maxLength"] == 4000
    assert "SubscriptionChannel" in components and "BacktestRequest" in components
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    text = orjson.dumps(schema).decode()
    assert "#/$defs/" not in text  # every reference resolves inside the document
    assert api.client.get("/docs").status_code == 200


def test_until_the_topic_is_read_subscription_requests_get_503_not_a_partial_answer(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.api.app.LOAD_WAIT_S", 0.1)
    api.log.registry.loaded.clear()
    for method, path in (("GET", "/subscriptions"), ("POST", "/subscriptions"), ("GET", "/subscriptions/x")):
        response = api.client.request(method, path, headers=api.as_writer(),
                                      json=subscription() if method == "POST" else None)
        assert response.status_code == 503, (method, path)
        assert "still being read" in response.json()["error"]["reason"]
    assert api.log.records == []
    assert api.client.get("/health").status_code == 503


def test_webhook_url_tokens_are_shown_to_write_tokens_only(local_api: Api) -> None:
    hook = "https://hooks.example.org/x?token=abc123"
    create(local_api, subscription(channels=[{"kind": "webhook", "url": hook}]))
    assert local_api.client.get("/subscriptions/kp-meetings", headers=local_api.as_writer()).json()[
        "channels"][0]["url"] == hook
    for headers in (local_api.as_reader(), {}):
        for body in (local_api.client.get("/subscriptions/kp-meetings", headers=headers).json(),
                     local_api.client.get("/subscriptions", headers=headers).json()["subscriptions"][0]):
            assert body["channels"][0]["url"] == "https://hooks.example.org/x?token=***"
