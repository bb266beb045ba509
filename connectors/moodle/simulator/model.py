"""The rows of the simulated Moodle site, one small class per Moodle table.

Field names follow Moodle's columns so that the renderers in ``functions/``
read like the PHP they imitate. All classes use ``__slots__``: the 100k-user
benchmark site holds about a million of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class User:
    id: int
    username: str
    firstname: str
    lastname: str
    email: str
    auth: str = "manual"
    suspended: bool = False
    deleted: bool = False
    confirmed: bool = True
    idnumber: str = ""
    institution: str = ""
    department: str = ""
    phone1: str = ""
    phone2: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    lang: str = "en"
    timezone: str = "99"
    description: str = ""
    firstaccess: int = 0
    lastaccess: int = 0
    mailformat: int = 1
    timecreated: int = 0
    timemodified: int = 0
    policyagreed: int = 1
    #: Custom profile field values by shortname.
    customfields: dict[str, str] = field(default_factory=dict)
    #: Preferences, only ever shown to the user itself.
    preferences: dict[str, str | int] = field(default_factory=dict)
    #: Set by ``\core\task\context_cleanup_task`` for deleted users: from then on
    #: any lookup of the id by ``core_user_get_users_by_field`` fails.
    context_removed: bool = False
    forcepasswordchange: bool = False

    @property
    def fullname(self) -> str:
        return f"{self.firstname} {self.lastname}"


@dataclass(slots=True)
class Category:
    id: int
    name: str
    parent: int = 0


@dataclass(slots=True)
class Course:
    id: int
    shortname: str
    fullname: str
    categoryid: int
    idnumber: str = ""
    summary: str = ""
    visible: bool = True
    startdate: int = 0
    enddate: int = 0
    timecreated: int = 0
    timemodified: int = 0
    format: str = "topics"
    sortorder: int = 0
    #: The course's top grade category (its course-total item points at it).
    gradecategoryid: int = 0
    self_enrolment: bool = False


@dataclass(slots=True)
class Enrolment:
    """A ``user_enrolments`` row joined with its enrol instance and role."""

    id: int
    userid: int
    courseid: int
    roleid: int
    method: str = "manual"
    status: int = 0  # 0 active, 1 suspended
    timestart: int = 0
    timeend: int = 0
    timecreated: int = 0

    def is_active(self, now: int) -> bool:
        return (
            self.status == 0
            and self.timestart <= now
            and (self.timeend == 0 or self.timeend > now)
        )


@dataclass(slots=True)
class Group:
    id: int
    courseid: int
    name: str
    description: str = ""
    members: set[int] = field(default_factory=set)


@dataclass(slots=True)
class GradeItem:
    id: int
    courseid: int
    itemtype: str  # course, mod, manual
    grademax: float
    itemname: str | None = None
    itemmodule: str | None = None
    iteminstance: int | None = None
    idnumber: str = ""
    categoryid: int | None = None
    cmid: int | None = None


@dataclass(slots=True)
class GradebookGrade:
    """A gradebook value that does not come from an assignment grade.

    Manual-item grades and overrides of activity grades; plain activity
    grades are read from the assignment's own grade (see ``functions/grades.py``).
    """

    finalgrade: float | None
    timemodified: int
    feedback: str = ""
    feedbackformat: int = 2
    hidden: bool = False
    overridden: bool = False


@dataclass(slots=True)
class Assignment:
    id: int  # instance id, also the cmid on this site
    courseid: int
    name: str
    grade: int = 100
    duedate: int = 0
    allowsubmissionsfromdate: int = 0
    timemodified: int = 0
    submissiondrafts: int = 0
    blindmarking: int = 0
    visible: bool = True
    file_submissions: bool = False


@dataclass(slots=True)
class SubmissionFile:
    filename: str
    filesize: int
    mimetype: str
    timemodified: int


@dataclass(slots=True)
class Submission:
    id: int
    assignment: int
    userid: int
    status: str  # new, draft, submitted, reopened
    timecreated: int
    timemodified: int
    text: str = ""
    files: tuple[SubmissionFile, ...] = ()
    attemptnumber: int = 0
    groupid: int = 0


@dataclass(slots=True)
class AssignGrade:
    id: int
    assignment: int
    userid: int
    grade: float
    grader: int
    timecreated: int
    timemodified: int
    feedback: str = ""
    attemptnumber: int = 0


@dataclass(slots=True)
class Conversation:
    id: int
    type: int  # 1 individual, 2 group, 3 self
    members: tuple[int, ...]
    name: str = ""


@dataclass(slots=True)
class Message:
    id: int
    conversationid: int
    useridfrom: int
    text: str
    timecreated: int


@dataclass(slots=True)
class LogRow:
    """One ``logstore_standard_log`` row (columns in table order)."""

    id: int
    eventname: str
    component: str
    action: str
    target: str
    objecttable: str | None
    objectid: int | None
    crud: str
    edulevel: int
    contextid: int
    contextlevel: int
    contextinstanceid: int
    userid: int
    courseid: int | None
    relateduserid: int | None
    anonymous: int
    other: str
    timecreated: int
    origin: str | None
    ip: str | None
    realuserid: int | None = None


@dataclass(slots=True)
class DataRequest:
    """A ``tool_dataprivacy_request`` row."""

    id: int
    type: int
    userid: int
    requestedby: int
    timecreated: int
    timemodified: int
    usermodified: int
    comments: str = ""
    status: int = 2
    dpo: int = 0
    dpocomment: str = ""
    systemapproved: bool = False
    creationmethod: int = 0
