from projects.views.exports import (
    export_job,
    export_job_download,
    export_page,
    form_export,
    queue_export,
)
from projects.views.forms import form_detail, form_list
from projects.views.history import form_compare
from projects.views.imports import (
    import_cancel,
    import_commit,
    import_preview,
    import_retry,
    import_upload,
)

__all__ = [
    "export_job",
    "export_job_download",
    "export_page",
    "form_compare",
    "form_detail",
    "form_export",
    "form_list",
    "import_cancel",
    "import_commit",
    "import_preview",
    "import_retry",
    "import_upload",
    "queue_export",
]
