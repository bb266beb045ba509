"""Every table of the register, in one import."""

from bridge.registry.base import Base
from bridge.registry.governance import (
    AuditEntry,
    LegalHold,
    RetentionFloor,
    SubjectRequest,
    Suppression,
    Tombstone,
)
from bridge.registry.lms import (
    STREAM_TABLES,
    LmsAccount,
    LmsAssignment,
    LmsAssignmentGrade,
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsGradeItem,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
)
from bridge.registry.operations import (
    DaemonHeartbeat,
    OutboxCommand,
    QuarantinedRecord,
    SyncBookmark,
    SyncLease,
    SyncRun,
)
from bridge.registry.people import (
    Consent,
    CustomerRelationship,
    MarketingProhibition,
    Organisation,
    Person,
    PersonOrganisation,
)

__all__ = [
    "STREAM_TABLES",
    "AuditEntry",
    "Base",
    "Consent",
    "CustomerRelationship",
    "DaemonHeartbeat",
    "LegalHold",
    "LmsAccount",
    "LmsAssignment",
    "LmsAssignmentGrade",
    "LmsCourse",
    "LmsEnrolment",
    "LmsGrade",
    "LmsGradeItem",
    "LmsLogEntry",
    "LmsMessage",
    "LmsSubmission",
    "MarketingProhibition",
    "Organisation",
    "OutboxCommand",
    "Person",
    "PersonOrganisation",
    "QuarantinedRecord",
    "RetentionFloor",
    "SubjectRequest",
    "Suppression",
    "SyncBookmark",
    "SyncLease",
    "SyncRun",
    "Tombstone",
]
