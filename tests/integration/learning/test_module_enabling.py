"""The learning module is on for an app only while its design lists it under `modules`:
until then every learning route answers 404 `module_not_enabled`, saying how to turn it on,
and turning it off again keeps the app's courses and progress for when it comes back."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.learning.conftest import GREETINGS, LearningApi, course


def refused(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, expect=404)
    problem = response.json()
    assert problem["code"] == "module_not_enabled", problem
    assert "modules: [learning]" in problem["detail"]


def test_an_app_without_a_design_has_no_learning_routes(api: Api) -> None:
    refused(api, "GET", "/v1/courses")
    refused(api, "GET", "/v1/learning/settings")
    refused(api, "GET", "/v1/players/ana/reviews/due")
    refused(api, "POST", "/v1/players/ana/lessons/greetings/attempts")


def test_a_design_that_does_not_list_the_module_keeps_it_off(api: Api) -> None:
    api.publish("currencies: {xp: {}}\n")
    refused(api, "PUT", "/v1/courses/spanish")
    refused(api, "GET", "/v1/courses")


def test_turning_the_module_off_and_on_again_keeps_courses_and_progress(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    learning.pass_lesson("ana", "greetings", GREETINGS)

    learning.publish("currencies: {xp: {}}\n")  # a design without the module
    refused(learning, "GET", "/v1/courses/spanish")
    refused(learning, "GET", "/v1/players/ana/courses/spanish/progress")

    learning.publish("modules: [learning]\ncurrencies: {xp: {}}\n")
    assert learning.get("/v1/courses/spanish", expect=200).json()["version"] == 1
    progress = learning.get("/v1/players/ana/courses/spanish/progress", expect=200).json()
    assert "greetings" in str(progress)


def test_a_module_the_server_does_not_have_is_a_design_error(api: Api) -> None:
    response = api.request(
        "PUT",
        "/v1/config",
        content=b"modules: [learning, chess]\n",
        headers={"Content-Type": "application/yaml"},
        expect=422,
    )
    assert "modules" in str(response.json()["errors"]), response.json()


def test_unauthenticated_callers_learn_nothing_about_the_module(api: Api) -> None:
    response = api.client.get("/v1/courses")
    assert response.status_code == 401
