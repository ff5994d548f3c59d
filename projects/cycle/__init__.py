"""The performance cycle of an approved form: mid-year monitoring (运行监控) and the year-end
self-evaluation (绩效自评).

* ``build``: opening a monitoring round (a report for every approved form of the year) and
  starting self-evaluations, each pre-filled from the approved version of its form (and, for a
  self-evaluation, the form's last monitoring report);
* ``inputs``: what a person may type into a report, however it arrives (the page, an uploaded
  sheet), as one structure;
* ``evaluate``: what follows from it (the budget's light, the scores, total and grade, the
  problems), computed by ``indicators.monitoring`` and ``indicators.scoring``;
* ``services``: saving a report, taking a workflow step on it (the rows of
  ``projects.workflow.TRANSITIONS`` a report has) and commenting on it, each checked on the
  server inside its transaction;
* ``views`` and ``urls``: the pages.
"""
