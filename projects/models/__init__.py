"""The domain model, one module per concern; import the models from here."""

from projects.models.checks import CheckSetting, Severity
from projects.models.counts import FormCount, ProjectTypeCount
from projects.models.cycle import (
    MonitoringRound,
    Report,
    ReportComment,
    ReportEvent,
    ReportLine,
    ReportQuerySet,
)
from projects.models.exports import ExportJob
from projects.models.fields import AMOUNT_DIGITS, AMOUNT_PLACES, MAX_YEAR, MIN_YEAR, pinyin
from projects.models.forms import (
    ADJUSTING,
    DEFAULT_LAYOUT,
    Indicator,
    NarrowPaginator,
    PerformanceForm,
    PerformanceFormQuerySet,
    in_force_status,
)
from projects.models.history import (
    COMMENT_LIMIT,
    OPINION_LIMIT,
    Comment,
    FormArrival,
    FormEvent,
    OpinionTemplate,
)
from projects.models.imports import (
    STAGED_IMPORT_LIFETIME,
    ImportJob,
    StagedImport,
    StagedImportFile,
)
from projects.models.organizations import Membership, Organization
from projects.models.projects import Project
from projects.models.review import (
    GRADED_CHECKS,
    MAIL_ATTEMPTS,
    Assignment,
    Deadline,
    Grade,
    Notification,
    ReviewGrade,
    Season,
    Stage,
    overall_grade,
)

__all__ = [
    "ADJUSTING",
    "AMOUNT_DIGITS",
    "AMOUNT_PLACES",
    "COMMENT_LIMIT",
    "DEFAULT_LAYOUT",
    "GRADED_CHECKS",
    "MAIL_ATTEMPTS",
    "MAX_YEAR",
    "MIN_YEAR",
    "OPINION_LIMIT",
    "STAGED_IMPORT_LIFETIME",
    "Assignment",
    "CheckSetting",
    "Comment",
    "Deadline",
    "ExportJob",
    "FormArrival",
    "FormCount",
    "FormEvent",
    "Grade",
    "ImportJob",
    "Indicator",
    "Membership",
    "MonitoringRound",
    "NarrowPaginator",
    "Notification",
    "OpinionTemplate",
    "Organization",
    "PerformanceForm",
    "PerformanceFormQuerySet",
    "Project",
    "ProjectTypeCount",
    "Report",
    "ReportComment",
    "ReportEvent",
    "ReportLine",
    "ReportQuerySet",
    "ReviewGrade",
    "Season",
    "Severity",
    "Stage",
    "StagedImport",
    "StagedImportFile",
    "in_force_status",
    "overall_grade",
    "pinyin",
]
