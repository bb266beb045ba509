"""Every Canvas REST endpoint the connector calls, in one place.

Each is declared once with its method, path template, the account permission its caller
needs (``None``: any valid token) and why the connector calls it. The client builds its
URLs from these, the simulator answers exactly these, ``bridge check`` asks Canvas for
these permissions, and a test lists them all. Paths follow Canvas's own route table
(``config/routes.rb``, documented by the ``@API`` comments of the controllers named).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One Canvas REST endpoint as the connector uses it."""

    name: str
    method: str
    path: str
    permission: str | None
    purpose: str
    #: The canvas-lms controller whose ``@API`` comment documents it.
    controller: str
    #: Further permissions for fields the connector reads (login ids, e-mails).
    also: tuple[str, ...] = ()

    @property
    def permissions(self) -> tuple[str, ...]:
        """Every account permission the connector's use of this endpoint needs."""
        return ((self.permission,) if self.permission else ()) + self.also

    def url(self, **ids: object) -> str:
        """The path with its ``{placeholders}`` filled in."""
        return self.path.format(**{k: str(v) for k, v in ids.items()})


def _e(name: str, method: str, path: str, permission: str | None, purpose: str,
       controller: str, also: tuple[str, ...] = ()) -> Endpoint:
    return Endpoint(name, method, path, permission, purpose, controller, also)


SELF = _e("self", "GET", "/api/v1/users/self", None,
          "prove the token works and learn its user", "users_controller.rb#api_show")
ACCOUNT = _e("account", "GET", "/api/v1/accounts/{account_id}", None,
             "find the configured account", "accounts_controller.rb#show")
PERMISSIONS = _e("permissions", "GET", "/api/v1/accounts/{account_id}/permissions", None,
                 "ask which account permissions the token's user has",
                 "accounts_controller.rb#permissions")
ACCOUNT_USERS = _e("account_users", "GET", "/api/v1/accounts/{account_id}/users",
                   "read_roster", "list the account's users with login ids and e-mails",
                   "users_controller.rb#api_index", ("view_user_logins", "read_email_addresses"))
USER = _e("user", "GET", "/api/v1/users/{user_id}", "read_roster",
          "read one user back (existence, name, e-mail)", "users_controller.rb#api_show")
USER_LOGINS = _e("user_logins", "GET", "/api/v1/users/{user_id}/logins", "manage_user_logins",
                 "a user's logins and whether they are suspended",
                 "pseudonyms_controller.rb#index")
USER_ENROLLMENTS = _e("user_enrollments", "GET", "/api/v1/users/{user_id}/enrollments",
                      "read_roster", "the courses where a user is still actively enrolled",
                      "enrollments_api_controller.rb#index")
COURSES = _e("courses", "GET", "/api/v1/accounts/{account_id}/courses", "read_course_list",
             "list the account's courses", "accounts_controller.rb#courses_api")
ENROLLMENTS = _e("enrollments", "GET", "/api/v1/courses/{course_id}/enrollments",
                 "read_roster", "a course's enrolments with their states and course grades",
                 "enrollments_api_controller.rb#index")
ASSIGNMENTS = _e("assignments", "GET", "/api/v1/courses/{course_id}/assignments",
                 "read_course_content", "a course's assignments",
                 "assignments_api_controller.rb#index")
SUBMISSIONS = _e("submissions", "GET", "/api/v1/courses/{course_id}/students/submissions",
                 "view_all_grades", "a course's submissions with scores and online text",
                 "submissions_api_controller.rb#for_students")
CONVERSATIONS = _e("conversations", "GET", "/api/v1/conversations", "become_user",
                   "a teacher's conversations (as_user_id)", "conversations_controller.rb#index")
CONVERSATION = _e("conversation", "GET", "/api/v1/conversations/{conversation_id}",
                  "become_user", "one conversation's messages (as_user_id)",
                  "conversations_controller.rb#show")
START_REPORT = _e("start_report", "POST", "/api/v1/accounts/{account_id}/reports/{report}",
                  "read_reports", "start an account report (provisioning_csv: every login and "
                  "its state; last_user_access_csv: each user's last request)",
                  "account_reports_controller.rb#create")
REPORT_STATUS = _e("report_status", "GET",
                   "/api/v1/accounts/{account_id}/reports/{report}/{report_id}",
                   "read_reports", "poll an account report until it is complete",
                   "account_reports_controller.rb#show")
REPORT_FILE = _e("report_file", "GET", "/files/{file_id}/download", "read_reports",
                 "download the complete report's users.csv (its attachment's url)",
                 "files_controller.rb#show")
PAGE_VIEWS = _e("page_views", "GET", "/api/v1/users/{user_id}/page_views", "view_statistics",
                "a user's page views since a time (the activity log)",
                "page_views_controller.rb#index")
UPDATE_LOGIN = _e("update_login", "PUT", "/api/v1/accounts/{account_id}/logins/{login_id}",
                  "manage_user_logins", "suspend or reactivate one login",
                  "pseudonyms_controller.rb#update")
END_ENROLLMENT = _e("end_enrollment", "DELETE",
                    "/api/v1/courses/{course_id}/enrollments/{enrollment_id}",
                    "remove_student_from_course", "conclude or deactivate one enrolment",
                    "enrollments_api_controller.rb#destroy")
DELETE_USER = _e("delete_user", "DELETE", "/api/v1/accounts/{account_id}/users/{user_id}",
                 "manage_user_logins", "delete a user from the root account (erasure)",
                 "accounts_controller.rb#remove_user")
UPDATE_USER = _e("update_user", "PUT", "/api/v1/users/{user_id}", "manage_user_logins",
                 "rectify a user's name or e-mail", "users_controller.rb#update")

ENDPOINTS: tuple[Endpoint, ...] = (
    SELF, ACCOUNT, PERMISSIONS, ACCOUNT_USERS, USER, USER_LOGINS, USER_ENROLLMENTS, COURSES,
    ENROLLMENTS, ASSIGNMENTS, SUBMISSIONS, CONVERSATIONS, CONVERSATION, START_REPORT,
    REPORT_STATUS, REPORT_FILE, PAGE_VIEWS, UPDATE_LOGIN, END_ENROLLMENT, DELETE_USER,
    UPDATE_USER,
)

#: What each account permission is called in Canvas's permissions page.
PERMISSION_LABELS: dict[str, str] = {
    "read_roster": "Users - view list",
    "view_user_logins": "Users - view login IDs",
    "read_email_addresses": "Users - view primary email address",
    "read_course_list": "Courses - view list",
    "read_course_content": "Course Content - view",
    "view_all_grades": "Grades - view all grades",
    "become_user": "Users - act as",
    "view_statistics": "Statistics - view",
    "read_reports": "Reports - manage",
    "manage_user_logins": "Users - manage login details",
    "remove_student_from_course": "Students - remove",
}

#: The endpoints each stream reads.
STREAM_ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    "users": (ACCOUNT_USERS, START_REPORT, REPORT_STATUS, REPORT_FILE),
    "courses": (COURSES,),
    "enrolments": (COURSES, ENROLLMENTS),
    "gradebook": (COURSES, ASSIGNMENTS, SUBMISSIONS, ENROLLMENTS),
    "assignments": (COURSES, ASSIGNMENTS),
    "submissions": (COURSES, SUBMISSIONS),
    "assignment_grades": (COURSES, SUBMISSIONS),
    "messages": (COURSES, ENROLLMENTS, CONVERSATIONS, CONVERSATION),
    "logs": (ACCOUNT_USERS, START_REPORT, REPORT_STATUS, REPORT_FILE, PAGE_VIEWS),
}

#: The endpoints each push setting writes with (``always``: every configuration).
PUSH_ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    "always": (USER, USER_LOGINS, UPDATE_LOGIN, UPDATE_USER),
    "suspend_and_unenrol": (USER_ENROLLMENTS, END_ENROLLMENT),
    "delete_user": (DELETE_USER, ACCOUNT_USERS),
}


def where_to_grant(permission: str, account: str) -> str:
    """The fix for a missing account permission, in Canvas's own menu terms."""
    label = PERMISSION_LABELS.get(permission, permission)
    return (
        f"in Canvas, Admin > {account} > Permissions > Account Roles, allow \"{label}\" "
        f"({permission}) for the role of the token's user (or give that user a role with it)"
    )
