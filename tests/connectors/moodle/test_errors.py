"""Every failure Moodle was recorded giving becomes the right typed error, classified by
error code and class, never by message; each says what to fix."""

from __future__ import annotations

import pytest
import responses

from connectors.base import TerminalError, TransientError
from connectors.moodle import errors
from connectors.moodle.classify import classify_error
from connectors.moodle.errors import (
    AccessException,
    ContextNotValid,
    FunctionNotInstalled,
    InvalidParameter,
    InvalidToken,
    MissingCapability,
    MoodleError,
    MoodleException,
    MoodleInternalError,
    RecordNotFound,
    ServiceUserNotUsable,
    SiteMaintenance,
    UnexpectedResponse,
    WebServicesDisabled,
)
from tests.connectors.moodle.samples import (
    call_and_catch,
    is_error_sample,
    load_sample,
    register_sample,
    sample_names,
)

EXPECTED: dict[str, type[MoodleError]] = {
    # auth and service
    "core_webservice_get_site_info__error_invalid_token": InvalidToken,
    "core_webservice_get_site_info__error_token_missing": InvalidToken,
    "core_webservice_get_site_info__error_token_expired": AccessException,
    "core_webservice_get_site_info__error_service_disabled": AccessException,
    "core_webservice_get_site_info__error_missing_capability_rest_use": AccessException,
    "core_course_create_courses__error_function_not_in_service": AccessException,
    "core_course_create_courses__error_function_not_in_service_with_debuginfo": AccessException,
    "core_webservice_get_site_info__error_ws_disabled_403": WebServicesDisabled,
    "core_webservice_get_site_info__error_rest_protocol_disabled_403": WebServicesDisabled,
    "local_nothere_do_something__error_function_not_installed": FunctionNotInstalled,
    # the service user
    "core_webservice_get_site_info__error_service_user_suspended": ServiceUserNotUsable,
    "core_user_get_users_by_field__error_usernotfullysetup_system_context": ServiceUserNotUsable,
    "core_course_get_courses__error_missing_capability_course_view": ContextNotValid,
    "core_enrol_get_enrolled_users__error_missing_capability_course_view": ContextNotValid,
    "core_enrol_get_enrolled_users__error_restricted_context": ContextNotValid,
    "core_enrol_get_enrolled_users__error_usernotfullysetup": ContextNotValid,
    "core_enrol_get_enrolled_users__error_sitepolicynotagreed": ContextNotValid,
    "core_enrol_get_enrolled_users__error_forcepasswordchange": ContextNotValid,
    # capabilities
    "gradereport_user_get_grade_items__error_missing_capability_grade_viewall": MissingCapability,
    "core_user_update_users__error_missing_capability_user_update": MissingCapability,
    "core_message_get_conversations__error_missing_capability_readallmessages": MissingCapability,
    "core_message_get_conversation_messages__error_missing_capability_readallmessages": (
        MissingCapability
    ),
    "core_message_get_messages__error_missing_capability_readallmessages": MissingCapability,
    "enrol_manual_enrol_users__error_role_not_assignable": MissingCapability,
    # parameters
    "transport__error_wsfunction_missing": InvalidParameter,
    "core_enrol_get_enrolled_users__error_int_empty_string": InvalidParameter,
    "core_enrol_get_enrolled_users__error_int_not_numeric": InvalidParameter,
    "core_enrol_get_enrolled_users__error_sortby_invalid": InvalidParameter,
    "core_enrol_get_enrolled_users__error_onlyactive_and_onlysuspended": InvalidParameter,
    "core_enrol_get_enrolled_users__error_userfield_invalid": InvalidParameter,
    "core_enrol_submit_user_enrolment_form__error_sesskey_field": InvalidParameter,
    "core_enrol_submit_user_enrolment_form__with_sesskey_inside_formdata": InvalidParameter,
    "core_enrol_submit_user_enrolment_form__without_sesskey": InvalidParameter,
    "core_grades_grader_gradingpanel_point_fetch__assign_not_supported": InvalidParameter,
    "core_grades_grader_gradingpanel_scale_fetch__assign_not_supported": InvalidParameter,
    "core_user_get_users__error_criteria_missing": InvalidParameter,
    "core_user_get_users__error_key_twice": InvalidParameter,
    "core_user_get_users_by_field__by_username_uppercase": InvalidParameter,
    "core_user_get_users_by_field__error_lang_fi_not_installed": InvalidParameter,
    "core_user_get_users_by_field__error_unknown_top_level_param": InvalidParameter,
    "core_user_get_users_by_field__error_unsupported_field": InvalidParameter,
    "core_user_get_users_by_field__moodlewssettinglang_unknown_code": InvalidParameter,
    "core_user_update_users__error_empty_users": InvalidParameter,
    "core_user_update_users__error_invalid_param_bool_true": InvalidParameter,
    "core_user_update_users__error_invalid_param_with_debuginfo": InvalidParameter,
    "core_user_update_users__error_unknown_key_in_object": InvalidParameter,
    "enrol_manual_unenrol_users__error_batch_rollback": InvalidParameter,
    "enrol_manual_unenrol_users__error_user_not_found": InvalidParameter,
    "tool_policy_set_acceptances_status__error_policies_missing": InvalidParameter,
    # records
    "core_enrol_get_enrolled_users__error_course_not_found": RecordNotFound,
    "core_enrol_get_enrolled_users_with_capability__error_course_not_found": RecordNotFound,
    "enrol_manual_unenrol_users__error_course_not_found": RecordNotFound,
    "gradereport_user_get_grade_items__error_course_not_found": RecordNotFound,
    "core_reportbuilder_retrieve_report__not_found": RecordNotFound,
    "tool_dataprivacy_get_data_request__not_found": RecordNotFound,
    "tool_dataprivacy_create_data_request__error_user_not_found": RecordNotFound,
    "core_message_get_conversations__user_not_found": RecordNotFound,
    "core_message_get_conversation_messages__error_conversation_not_found": RecordNotFound,
    "core_message_get_conversation_messages__error_not_member": RecordNotFound,
    "core_user_delete_users__error_not_found": RecordNotFound,
    "core_user_delete_users__error_already_deleted": RecordNotFound,
    "core_user_delete_users__error_batch_rollback": RecordNotFound,
    "core_user_get_users_by_field__after_delete_by_id_after_context_cleanup": RecordNotFound,
    "core_user_get_users_by_field__after_delete_mixed_after_context_cleanup": RecordNotFound,
    # PHP engine errors
    "core_course_get_courses_by_field__by_ids_with_missing": MoodleInternalError,
    "core_course_get_courses_by_field__by_ids_with_missing_debug": MoodleInternalError,
    # XML although JSON is always asked for
    "core_user_get_users__error_format_xml": UnexpectedResponse,
    "core_user_get_users_by_field__format_xml": UnexpectedResponse,
    "core_webservice_get_site_info__format_default_xml": UnexpectedResponse,
    "core_webservice_get_site_info__error_json_body": UnexpectedResponse,
    # function-specific refusals without a class of their own
    "core_user_delete_users__error_admin": MoodleException,
    "core_user_delete_users__error_self": MoodleException,
    "tool_dataprivacy_approve_data_request__error_not_awaiting": MoodleException,
    "tool_dataprivacy_create_data_request__error_already_exists": MoodleException,
    "tool_dataprivacy_create_data_request__error_contactdpo_off": MoodleException,
    "tool_dataprivacy_create_data_request__error_type_others": MoodleException,
    "tool_dataprivacy_create_data_request__error_user_deleted": MoodleException,
    "tool_dataprivacy_get_data_requests__error_userid_deleted": MoodleException,
}

JSON_ERROR_SAMPLES = [
    name
    for name in sorted(EXPECTED)
    if "json" in load_sample(name)["response"] and load_sample(name)["response"]["status"] == 200
]


# --------------------------------------------------------------------------- recorded errors


def test_every_error_sample_in_the_fixtures_has_an_expected_class() -> None:
    recorded = {n.removesuffix(".json") for n in sample_names() if is_error_sample(load_sample(n))}
    assert recorded <= set(EXPECTED), sorted(recorded - set(EXPECTED))
    assert set(EXPECTED) <= recorded  # every listed sample is in the fixtures


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_error_raises_its_typed_error(
    name: str, strict_rsps: responses.RequestsMock
) -> None:
    sample = load_sample(name)
    # The client never sends a request without wsfunction; replay that answer under a name.
    function = sample["function"] or "core_webservice_get_site_info"
    register_sample(strict_rsps, sample)
    error = call_and_catch(function)

    assert type(error) is EXPECTED[name]
    assert error.function == function
    body = sample["response"].get("json")
    if isinstance(body, dict):
        assert error.errorcode == body.get("errorcode")
        assert error.exception_class == body["exception"].split("\\")[-1]
        assert "\\" not in error.exception_class


@pytest.mark.parametrize("name", JSON_ERROR_SAMPLES)
def test_classification_ignores_the_translated_message(name: str) -> None:
    sample = load_sample(name)
    function = sample["function"] or "core_webservice_get_site_info"
    payload = dict(sample["response"]["json"])
    payload["message"] = "Virheellinen parametrin arvo havaittu"  # same error, Finnish site
    expected = EXPECTED[name]
    if expected is FunctionNotInstalled:  # the one split made on the (untranslated) table name
        expected = RecordNotFound
    assert type(classify_error(function, payload)) is expected


def test_uninstalled_function_is_told_apart_from_a_missing_record_by_table() -> None:
    def payload(table: str) -> dict[str, str]:
        return {
            "exception": "dml_missing_record_exception",
            "errorcode": "invalidrecord",
            "message": f"Can't find data record in database table {table}.",
        }

    assert isinstance(
        classify_error("local_x", payload("external_functions")), FunctionNotInstalled
    )
    assert isinstance(classify_error("core_x", payload("course")), RecordNotFound)


def test_namespaced_exception_class_is_stripped() -> None:
    error = classify_error(
        "core_user_update_users",
        {
            "exception": "core\\exception\\invalid_parameter_exception",
            "errorcode": "invalidparameter",
            "message": "Invalid parameter value detected",
            "debuginfo": "users => Invalid parameter value detected",
        },
    )
    assert error.exception_class == "invalid_parameter_exception"
    assert str(error).startswith("core_user_update_users: invalidparameter: Invalid parameter")
    # debuginfo echoes request values (and SQL with values): only its length is told.
    assert "users =>" not in str(error) and "users =>" not in repr(error)
    assert "debuginfo of 41 chars not shown" in str(error)


def test_unknown_errorcode_falls_back_to_the_exception_class() -> None:
    known_class = classify_error(
        "f", {"exception": "core\\exception\\required_capability_exception", "errorcode": "new"}
    )
    assert type(known_class) is MissingCapability
    unknown = classify_error("f", {"exception": "some_plugin_exception", "errorcode": "weird"})
    assert type(unknown) is MoodleException
    assert isinstance(unknown, TerminalError)
    assert unknown.errorcode == "weird"


def test_php_error_without_errorcode_is_an_internal_error() -> None:
    error = classify_error("f", {"exception": "TypeError", "message": "Argument #1 must be int"})
    assert type(error) is MoodleInternalError
    assert isinstance(error, TerminalError)
    assert error.errorcode is None


@pytest.mark.parametrize(
    "errorcode",
    [
        "usernotfullysetup",
        "wsaccessusersuspended",
        "wsaccessuserdeleted",
        "wsaccessusernologin",
        "wsaccessuserexpired",
        "wsaccessuserunconfirmed",
        "sitepolicynotagreed",
        "forcepasswordchangenotice",
        "requireloginerror",
        "restrictedcontextexception",
    ],
)
def test_service_user_problems_say_what_to_fix_on_the_account(errorcode: str) -> None:
    error = classify_error("f", {"exception": "moodle_exception", "errorcode": errorcode})
    assert type(error) is ServiceUserNotUsable
    assert error.fix and error.fix != ServiceUserNotUsable.default_fix


def test_web_maintenance_at_200_is_transient() -> None:
    error = classify_error(
        "f", {"exception": "core\\exception\\moodle_exception", "errorcode": "sitemaintenance"}
    )
    assert isinstance(error, SiteMaintenance)
    assert isinstance(error, TransientError)


# --------------------------------------------------------------------------- fix texts


def test_every_class_is_either_transient_or_terminal() -> None:
    classes = [
        obj
        for name in errors.__all__
        if isinstance(obj := getattr(errors, name), type)
        and issubclass(obj, MoodleError)
        and obj is not MoodleError
    ]
    assert len(classes) >= 18
    for cls in classes:
        assert issubclass(cls, TransientError) != issubclass(cls, TerminalError), cls
        if issubclass(cls, TerminalError):
            assert cls.default_fix, f"{cls.__name__} needs a fix text"


@pytest.mark.parametrize(
    ("cls", "words"),
    [
        (
            AccessException,
            [
                "external service",
                "enabled",
                "authorised user",
                "valid until",
                "IP",
                "webservice/rest:use",
                "php local/registrybridge/cli/setup.php --check",
            ],
        ),
        (WebServicesDisabled, ["Enable web services", "REST"]),
        (
            ContextNotValid,
            ["moodle/course:view", "fully set up", "site policy", "auth = webservice", "context"],
        ),
        (InvalidToken, ["Manage tokens", "php local/registrybridge/cli/setup.php --new-token"]),
        (FunctionNotInstalled, ["not installed"]),
    ],
)
def test_fix_texts_speak_moodle(cls: type[MoodleError], words: list[str]) -> None:
    for word in words:
        assert word in (cls.default_fix or ""), word
