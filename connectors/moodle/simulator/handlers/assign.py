"""``mod_assign_get_assignments``, ``mod_assign_get_submissions``, ``mod_assign_get_grades``."""

from __future__ import annotations

from typing import Any

from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.model import Assignment, Submission
from connectors.moodle.simulator.state import CONTEXT_MODULE, context_id
from connectors.moodle.simulator.validation import Bool, Int, ListOf, Text

NOT_FOUND_COURSE = ("No access rights in course context Can't find data record in database "
                    "table course.")


def _warning(item: str, itemid: int, code: str, message: str) -> dict[str, Any]:
    return {"item": item, "itemid": itemid, "warningcode": code, "message": message}


def _configs(assignment: Assignment) -> list[dict[str, str]]:
    settings = [("onlinetext", "assignsubmission", "enabled", "1"),
                ("onlinetext", "assignsubmission", "wordlimit", "0"),
                ("onlinetext", "assignsubmission", "wordlimitenabled", "0")]
    if assignment.file_submissions:
        settings += [("file", "assignsubmission", "enabled", "1"),
                     ("file", "assignsubmission", "maxfilesubmissions", "3"),
                     ("file", "assignsubmission", "maxsubmissionsizebytes", "0")]
    settings += [("comments", "assignsubmission", "enabled", "0"),
                 ("comments", "assignfeedback", "enabled", "1"),
                 ("comments", "assignfeedback", "commentinline", "0")]
    return [{"plugin": p, "subtype": s, "name": n, "value": v} for p, s, n, v in settings]


def _assignment(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id, "cmid": a.id, "course": a.courseid, "name": a.name, "nosubmissions": 0,
        "submissiondrafts": a.submissiondrafts, "sendnotifications": 0,
        "sendlatenotifications": 0, "sendstudentnotifications": 1, "duedate": a.duedate,
        "allowsubmissionsfromdate": a.allowsubmissionsfromdate, "grade": a.grade,
        "timemodified": a.timemodified, "completionsubmit": 0, "cutoffdate": 0,
        "gradingduedate": 0, "teamsubmission": 0, "requireallteammemberssubmit": 0,
        "teamsubmissiongroupingid": 0, "blindmarking": a.blindmarking, "hidegrader": 0,
        "revealidentities": 0, "attemptreopenmethod": "untilpass", "maxattempts": 1,
        "markingworkflow": 0, "markingallocation": 0, "markinganonymous": 0,
        "requiresubmissionstatement": 0, "preventsubmissionnotingroup": 0,
        "configs": _configs(a), "intro": f"<p>{a.name} – ohjeet.</p>", "introformat": 1,
        "introfiles": [], "introattachments": [], "timelimit": 0, "submissionattachments": 0,
    }


@ws_function("mod_assign_get_assignments", courseids=ListOf(Int(), []),
             capabilities=ListOf(Text(), []), includenotenrolledcourses=Bool(False))
def get_assignments(call: Call) -> dict[str, Any]:
    """Without ``includenotenrolledcourses`` a non-enrolled caller gets only warnings "2"."""
    state, params = call.state, call.params
    mine = state.user_courses.get(call.user.id, set())
    courseids = list(dict.fromkeys(params["courseids"])) or sorted(mine)
    courses, warnings = [], []
    for courseid in courseids:
        course = state.courses.get(courseid)
        if course is None:
            warnings.append(_warning("course", courseid, "1", NOT_FOUND_COURSE))
            continue
        if courseid not in mine and not params["includenotenrolledcourses"]:
            warnings.append(_warning("course", courseid, "2", "User is not enrolled or does "
                                     "not have requested capability"))
            continue
        reason = call.course_context_failure(course)
        if reason:
            warnings.append(_warning("course", courseid, "1",
                                     f"No access rights in course context {reason}"))
            continue
        if not all(call.has(cap) for cap in params["capabilities"]):
            continue
        visible = [a for a in state.course_assignments(courseid)
                   if a.visible or call.has("moodle/course:viewhiddenactivities")]
        courses.append({"id": course.id, "fullname": course.fullname,
                        "shortname": course.shortname, "timemodified": course.timemodified,
                        "assignments": [_assignment(a) for a in visible]})
    return {"courses": courses, "warnings": warnings}


def _plugins(call: Call, assignment: Assignment, submission: Submission) -> list[dict[str, Any]]:
    plugins: list[dict[str, Any]] = [{
        "type": "onlinetext", "name": "Online text",
        "fileareas": [{"area": "submissions_onlinetext", "files": []}],
        "editorfields": [{"name": "onlinetext", "description": "Online text submissions",
                          "text": submission.text, "format": 1}],
    }]
    if assignment.file_submissions:
        base = (f"{call.state.config.wwwroot}/webservice/pluginfile.php/"
                f"{context_id(CONTEXT_MODULE, assignment.id)}/assignsubmission_file/"
                f"submission_files/{submission.id}")
        files = [{"filename": f.filename, "filepath": "/", "filesize": f.filesize,
                  "fileurl": f"{base}/{f.filename}", "timemodified": f.timemodified,
                  "mimetype": f.mimetype, "isexternalfile": False} for f in submission.files]
        plugins.append({"type": "file", "name": "File submissions",
                        "fileareas": [{"area": "submission_files", "files": files}]})
    plugins.append({"type": "comments", "name": "Submission comments"})
    return plugins


def _readable(call: Call, assignment: Assignment) -> bool:
    course = call.state.courses[assignment.courseid]
    return call.course_context_failure(course) is None and (
        call.has("mod/assign:viewgrades") or call.has("mod/assign:grade"))


def _servable(call: Call, submission: Submission, courseid: int) -> bool:
    """Submissions of users no longer enrolled are not served (the rows stay)."""
    enrolments = call.state.enrolments_of(submission.userid, courseid)
    if not enrolments:
        return False
    now = call.now()
    return call.has("moodle/course:viewsuspendedusers") or any(e.is_active(now)
                                                               for e in enrolments)


@ws_function("mod_assign_get_submissions", assignmentids=ListOf(Int()), status=Text(""),
             since=Int(0), before=Int(0))
def get_submissions(call: Call) -> dict[str, Any]:
    """``since`` and ``before`` are inclusive; unknown ids are dropped without a warning."""
    state, params = call.state, call.params
    result, warnings = [], []
    for assignmentid in sorted(set(params["assignmentids"])):
        assignment = state.assignments.get(assignmentid)
        if assignment is None:
            continue
        if not _readable(call, assignment):
            warnings.append(_warning("module", assignmentid, "1",
                                     "No access rights in module context"))
            continue
        graded = state.assign_grades[assignmentid]
        submissions = [
            {"id": s.id, "userid": s.userid, "attemptnumber": s.attemptnumber,
             "timecreated": s.timecreated, "timemodified": s.timemodified,
             "timestarted": None, "status": s.status, "groupid": s.groupid,
             "plugins": _plugins(call, assignment, s),
             "gradingstatus": "graded" if s.userid in graded else "notgraded"}
            for s in state.submissions[assignmentid].values()
            if (not params["status"] or s.status == params["status"])
            and s.timemodified >= params["since"]
            and (params["before"] <= 0 or s.timemodified <= params["before"])
            and _servable(call, s, assignment.courseid)
        ]
        if not submissions:
            warnings.append(_warning("module", assignmentid, "3", "No submissions found"))
        result.append({"assignmentid": assignmentid, "submissions": submissions})
    return {"assignments": result, "warnings": warnings}


@ws_function("mod_assign_get_grades", assignmentids=ListOf(Int()), since=Int(0))
def get_grades(call: Call) -> dict[str, Any]:
    """Assignment grades as strings; assignments without grades are only warned about."""
    state = call.state
    result, warnings = [], []
    for assignmentid in sorted(set(call.params["assignmentids"])):
        assignment = state.assignments.get(assignmentid)
        if assignment is not None and not _readable(call, assignment):
            warnings.append(_warning("assignment", assignmentid, "1",
                                     "No access rights in module context"))
            continue
        rows = [] if assignment is None else [
            g for g in state.assign_grades[assignmentid].values()
            if g.timemodified >= call.params["since"]
        ]
        if not rows:
            warnings.append(_warning("assignment", assignmentid, "3", "No grades found"))
            continue
        result.append({"assignmentid": assignmentid, "grades": [
            {"id": g.id, "userid": g.userid, "attemptnumber": g.attemptnumber,
             "timecreated": g.timecreated, "timemodified": g.timemodified,
             "grader": g.grader, "grade": f"{g.grade:.5f}"} for g in rows
        ]})
    return {"assignments": result, "warnings": warnings}
