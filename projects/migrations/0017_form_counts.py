"""The counts of forms kept by triggers (``projects.models.counts``): by year, department,
status and adjustment under way (``FormCount``), and by department and project type
(``ProjectTypeCount``), filled from the forms there are, then kept on every insert, update
and delete of a form and every move of a project to another department.

(On SQLite, a migration that rebuilds ``projects_performanceform`` or ``projects_project`` drops
these triggers with the table: drop them first and create them again after, with the
statements below.)
"""

import django.db.models.deletion
from django.db import migrations, models


ADJUSTING = "({row}.approved_version IS NOT NULL AND {row}.status <> 'approved')"
FORM_KEY = "(fiscal_year, department_id, status, adjusting)"
TYPE_KEY = "(department_id, project_type)"


def _sqlite_form(row: str, sign: str) -> list[str]:
    """The statements adding one (``+``) or taking one (``-``) for the form ``row``. Taking
    one only updates the row its adding made: a form deleted once its department is gone
    (a flush of every table) leaves nothing behind."""
    adjusting = ADJUSTING.format(row=row)
    department = f"(SELECT department_id FROM projects_project WHERE id = {row}.project_id)"
    if sign == "-":
        return [
            f"""
            UPDATE projects_formcount SET forms = forms - 1
            WHERE fiscal_year = {row}.fiscal_year AND department_id = {department}
            AND status = {row}.status AND adjusting = {adjusting};
            """,
            f"""
            UPDATE projects_projecttypecount SET forms = forms - 1
            WHERE department_id = {department} AND project_type = {row}.project_type;
            """,
        ]
    return [
        f"""
        INSERT INTO projects_formcount (fiscal_year, department_id, status, adjusting, forms)
        SELECT {row}.fiscal_year, p.department_id, {row}.status, {adjusting}, 1
        FROM projects_project p WHERE p.id = {row}.project_id
        ON CONFLICT {FORM_KEY} DO UPDATE SET forms = forms + 1;
        """,
        f"""
        INSERT INTO projects_projecttypecount (department_id, project_type, forms)
        SELECT p.department_id, {row}.project_type, 1
        FROM projects_project p WHERE p.id = {row}.project_id AND {row}.project_type <> ''
        ON CONFLICT {TYPE_KEY} DO UPDATE SET forms = forms + 1;
        """,
    ]


def _sqlite_project_leaves() -> list[str]:
    """The statements taking a project's forms out of its old department's counts."""
    adjusting = ADJUSTING.format(row="f")
    return [
        f"""
        UPDATE projects_formcount SET forms = forms - (
            SELECT COUNT(*) FROM projects_performanceform f
            WHERE f.project_id = NEW.id AND f.fiscal_year = projects_formcount.fiscal_year
            AND f.status = projects_formcount.status
            AND {adjusting} = projects_formcount.adjusting
        )
        WHERE department_id = OLD.department_id;
        """,
        """
        UPDATE projects_projecttypecount SET forms = forms - (
            SELECT COUNT(*) FROM projects_performanceform f
            WHERE f.project_id = NEW.id AND f.project_type = projects_projecttypecount.project_type
        )
        WHERE department_id = OLD.department_id;
        """,
    ]


def _sqlite_project_joins() -> list[str]:
    """The statements adding a project's forms to its new department's counts."""
    adjusting = ADJUSTING.format(row="f")
    return [
        f"""
        INSERT INTO projects_formcount (fiscal_year, department_id, status, adjusting, forms)
        SELECT f.fiscal_year, NEW.department_id, f.status, {adjusting}, COUNT(*)
        FROM projects_performanceform f WHERE f.project_id = NEW.id
        GROUP BY f.fiscal_year, f.status, {adjusting}
        ON CONFLICT {FORM_KEY} DO UPDATE SET forms = forms + excluded.forms;
        """,
        f"""
        INSERT INTO projects_projecttypecount (department_id, project_type, forms)
        SELECT NEW.department_id, f.project_type, COUNT(*)
        FROM projects_performanceform f WHERE f.project_id = NEW.id AND f.project_type <> ''
        GROUP BY f.project_type
        ON CONFLICT {TYPE_KEY} DO UPDATE SET forms = forms + excluded.forms;
        """,
    ]


FORM_COLUMNS = "fiscal_year, project_id, status, approved_version, project_type"
SQLITE_FORWARD = [
    "CREATE TRIGGER form_counts_insert AFTER INSERT ON projects_performanceform BEGIN "
    + "".join(_sqlite_form("NEW", "+"))
    + " END",
    "CREATE TRIGGER form_counts_delete AFTER DELETE ON projects_performanceform BEGIN "
    + "".join(_sqlite_form("OLD", "-"))
    + " END",
    f"CREATE TRIGGER form_counts_update AFTER UPDATE OF {FORM_COLUMNS} ON projects_performanceform"
    " BEGIN " + "".join(_sqlite_form("OLD", "-") + _sqlite_form("NEW", "+")) + " END",
    "CREATE TRIGGER form_counts_project_moves AFTER UPDATE OF department_id ON projects_project"
    " WHEN OLD.department_id IS NOT NEW.department_id BEGIN "
    + "".join(_sqlite_project_leaves() + _sqlite_project_joins())
    + " END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS form_counts_{name}"
    for name in ("insert", "delete", "update", "project_moves")
]

POSTGRES_FORWARD = [
    f"""
    CREATE FUNCTION form_counts_add(
        year integer, department bigint, form_status varchar, is_adjusting boolean,
        form_type varchar, n integer
    ) RETURNS void AS $$
    BEGIN
        IF department IS NULL THEN
            RETURN;
        END IF;
        IF n < 0 THEN  -- only the row the adding made: nothing left behind by a deletion
            UPDATE projects_formcount SET forms = forms + n
            WHERE fiscal_year = year AND department_id = department
            AND status = form_status AND adjusting = is_adjusting;
            UPDATE projects_projecttypecount SET forms = forms + n
            WHERE department_id = department AND project_type = form_type;
            RETURN;
        END IF;
        INSERT INTO projects_formcount AS c (fiscal_year, department_id, status, adjusting, forms)
        VALUES (year, department, form_status, is_adjusting, n)
        ON CONFLICT {FORM_KEY} DO UPDATE SET forms = c.forms + EXCLUDED.forms;
        IF form_type <> '' THEN
            INSERT INTO projects_projecttypecount AS t (department_id, project_type, forms)
            VALUES (department, form_type, n)
            ON CONFLICT {TYPE_KEY} DO UPDATE SET forms = t.forms + EXCLUDED.forms;
        END IF;
    END $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE FUNCTION form_counts_follow() RETURNS trigger AS $$
    DECLARE
        old_department bigint;
        new_department bigint;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            SELECT department_id INTO old_department FROM projects_project
            WHERE id = OLD.project_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            SELECT department_id INTO new_department FROM projects_project
            WHERE id = NEW.project_id;
        END IF;
        IF TG_OP = 'INSERT' THEN
            PERFORM form_counts_add(NEW.fiscal_year, new_department, NEW.status,
                {ADJUSTING.format(row="NEW")}, NEW.project_type, 1);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM form_counts_add(OLD.fiscal_year, old_department, OLD.status,
                {ADJUSTING.format(row="OLD")}, OLD.project_type, -1);
        ELSIF (OLD.fiscal_year, old_department, OLD.status, {ADJUSTING.format(row="OLD")},
               OLD.project_type)
              IS DISTINCT FROM
              (NEW.fiscal_year, new_department, NEW.status, {ADJUSTING.format(row="NEW")},
               NEW.project_type) THEN
            -- the two rows in the order of their keys: two transactions moving forms between
            -- the same two rows lock them in the same order, and never wait on each other
            IF (OLD.fiscal_year, old_department, OLD.status) <
               (NEW.fiscal_year, new_department, NEW.status) THEN
                PERFORM form_counts_add(OLD.fiscal_year, old_department, OLD.status,
                    {ADJUSTING.format(row="OLD")}, OLD.project_type, -1);
                PERFORM form_counts_add(NEW.fiscal_year, new_department, NEW.status,
                    {ADJUSTING.format(row="NEW")}, NEW.project_type, 1);
            ELSE
                PERFORM form_counts_add(NEW.fiscal_year, new_department, NEW.status,
                    {ADJUSTING.format(row="NEW")}, NEW.project_type, 1);
                PERFORM form_counts_add(OLD.fiscal_year, old_department, OLD.status,
                    {ADJUSTING.format(row="OLD")}, OLD.project_type, -1);
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER form_counts_follow
    AFTER INSERT OR DELETE OR UPDATE OF {FORM_COLUMNS} ON projects_performanceform
    FOR EACH ROW EXECUTE FUNCTION form_counts_follow()
    """,
    f"""
    CREATE FUNCTION form_counts_project_moves() RETURNS trigger AS $$
    DECLARE
        f record;
    BEGIN
        FOR f IN SELECT fiscal_year, status, {ADJUSTING.format(row="projects_performanceform")}
                        AS is_adjusting, project_type
                 FROM projects_performanceform WHERE project_id = NEW.id
        LOOP
            PERFORM form_counts_add(f.fiscal_year, OLD.department_id, f.status,
                f.is_adjusting, f.project_type, -1);
            PERFORM form_counts_add(f.fiscal_year, NEW.department_id, f.status,
                f.is_adjusting, f.project_type, 1);
        END LOOP;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER form_counts_project_moves
    AFTER UPDATE OF department_id ON projects_project
    FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION form_counts_project_moves()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS form_counts_follow ON projects_performanceform",
    "DROP FUNCTION IF EXISTS form_counts_follow()",
    "DROP TRIGGER IF EXISTS form_counts_project_moves ON projects_project",
    "DROP FUNCTION IF EXISTS form_counts_project_moves()",
    "DROP FUNCTION IF EXISTS form_counts_add(integer, bigint, varchar, boolean, varchar, integer)",
]

# the forms there are, counted once
FILL = [
    f"""
    INSERT INTO projects_formcount (fiscal_year, department_id, status, adjusting, forms)
    SELECT f.fiscal_year, p.department_id, f.status, {ADJUSTING.format(row="f")}, COUNT(*)
    FROM projects_performanceform f JOIN projects_project p ON p.id = f.project_id
    GROUP BY f.fiscal_year, p.department_id, f.status, {ADJUSTING.format(row="f")}
    """,
    """
    INSERT INTO projects_projecttypecount (department_id, project_type, forms)
    SELECT p.department_id, f.project_type, COUNT(*)
    FROM projects_performanceform f JOIN projects_project p ON p.id = f.project_id
    WHERE f.project_type <> ''
    GROUP BY p.department_id, f.project_type
    """,
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"No triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


def _clear(apps, schema_editor):
    schema_editor.execute("DELETE FROM projects_formcount")
    schema_editor.execute("DELETE FROM projects_projecttypecount")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0016_performance_cycle"),
    ]

    operations = [
        migrations.CreateModel(
            name="FormCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="预算年度")),
                ("status", models.CharField(max_length=30, verbose_name="状态")),
                ("adjusting", models.BooleanField(verbose_name="调整中")),
                ("forms", models.IntegerField(verbose_name="表数")),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.organization",
                        verbose_name="主管部门",
                    ),
                ),
            ],
            options={
                "verbose_name": "绩效目标表计数",
                "verbose_name_plural": "绩效目标表计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("fiscal_year", "department", "status", "adjusting"),
                        name="form_count_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProjectTypeCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("project_type", models.CharField(max_length=100, verbose_name="项目类型")),
                ("forms", models.IntegerField(verbose_name="表数")),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.organization",
                        verbose_name="主管部门",
                    ),
                ),
            ],
            options={
                "verbose_name": "项目类型计数",
                "verbose_name_plural": "项目类型计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("department", "project_type"), name="project_type_count_key"
                    )
                ],
            },
        ),
        migrations.RunPython(_clear, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD + FILL, "postgresql": POSTGRES_FORWARD + FILL}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
